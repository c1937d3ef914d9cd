#!/usr/bin/env python3
"""
Per-frame cost of the extension's handler path, as a DHCPKit worker pays it, with the daemon socket
healthy (a receiver process draining it), stopped (nothing bound) and stalled (receiver SIGSTOPped, so
its queue fills up and sends hit EAGAIN).

Two paths are timed per transaction (relayed Request + Reply with IA_NA and IA_PD, as DHCPKit's worker
builds them): "handler" is analyse_post() in full (Message.save() of both messages, frame, send);
"frame+send" is encode_frame() + send() from already saved messages, i.e. our code without DHCPKit's
serialisation. Prints one JSON line per mode and path.

  python deploy/dhcpkit/bench/bench_handler.py [--frames 20000]
"""
import argparse
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
from multiprocessing import Process

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests'))
import support  # noqa: E402  (also puts the package source on sys.path)

from dhcpkafka_dhcpkit.frame import encode_frame  # noqa: E402
from dhcpkafka_dhcpkit.handler import DHCPKafkaHandler  # noqa: E402
from dhcpkafka_dhcpkit.sender import FrameSender  # noqa: E402


def drain(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    while True:
        sock.recv(65536)


def percentiles(samples_ns):
    samples = sorted(samples_ns)

    def at(q):
        return round(samples[min(len(samples) - 1, int(q * len(samples)))] / 1000, 2)
    return {'p50_us': at(0.5), 'p99_us': at(0.99), 'p99.9_us': at(0.999), 'max_us': round(samples[-1] / 1000, 2)}


def transactions(count):
    rng = random.Random(1)
    bundles = []
    for index in range(count):
        bundle = support.bundle_for(support.relayed(support.request(rng), 1, rng))
        bundle.response = support.reply_to(bundle.request, rng)
        bundles.append(bundle)
    return bundles


def run(mode, path, bundles, frames):
    handler = DHCPKafkaHandler(spool_socket=path, server_name='dhcp01.example.com')
    handler.worker_init()
    handler.next_report = float('inf')  # no log lines in the timed loop
    handler_ns, frame_ns = [], []
    saved = [(bytes(b.incoming_message.save()), bytes(b.outgoing_message.save())) for b in bundles]
    sender = FrameSender(path)
    name = handler.encoded_server_name
    for index in range(frames):
        bundle = bundles[index % len(bundles)]
        handler.analyse_pre(bundle)
        start = time.perf_counter_ns()
        handler.analyse_post(bundle)
        handler_ns.append(time.perf_counter_ns() - start)
        message_in, message_out = saved[index % len(saved)]
        start = time.perf_counter_ns()
        sender.send(encode_frame(name, 1.0, message_in, 2.0, message_out))
        frame_ns.append(time.perf_counter_ns() - start)
    for label, samples, counters in (('handler', handler_ns, handler.sender.counters()),
                                     ('frame+send', frame_ns, sender.counters())):
        line = {'mode': mode, 'path': label, 'frames': frames}
        line.update(percentiles(samples))
        line.update(counters)
        print(json.dumps(line), flush=True)
    handler.sender.close()
    sender.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--frames', type=int, default=20000)
    args = parser.parse_args()
    bundles = transactions(500)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'ingest.sock')
        receiver = Process(target=drain, args=(path,), daemon=True)
        receiver.start()
        while not os.path.exists(path):
            time.sleep(0.01)
        run('healthy', path, bundles, args.frames)
        os.kill(receiver.pid, signal.SIGSTOP)
        run('stalled', path, bundles, args.frames)
        os.kill(receiver.pid, signal.SIGKILL)
        receiver.join()
        os.unlink(path)
        run('stopped', path, bundles, args.frames)


if __name__ == '__main__':
    main()
