"""Non-blocking behaviour: nothing listening, a full queue and a restarted daemon are counted drops."""
import json
import logging
import os
import socket
import tempfile
import threading
import unittest

import support  # noqa: F401  (puts the package on sys.path)

from dhcpkafka_dhcpkit.sender import RECONNECT_INTERVAL, FrameSender


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def receiver(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    return sock


class SenderTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.directory.name, 'ingest.sock')
        self.clock = FakeClock()
        self.sender = FrameSender(self.path, clock=self.clock)

    def tearDown(self):
        self.sender.close()
        self.directory.cleanup()

    def test_no_listener_is_a_counted_drop_with_rate_limited_reconnects(self):
        with self.assertLogs('dhcpkafka_dhcpkit.sender', 'WARNING') as logs:
            for _ in range(100):
                self.assertFalse(self.sender.send(b'frame'))
        self.assertEqual(self.sender.counters()['dropped_daemon_down'], 100)
        self.assertEqual(self.sender.counters()['sent'], 0)
        self.assertEqual(len(logs.output), 1, "one log line per outage, not per frame")
        self.assertIn(self.path, logs.output[0])
        # Once the daemon is there, the next attempt waits for the reconnect interval.
        listener = receiver(self.path)
        self.addCleanup(listener.close)
        self.assertFalse(self.sender.send(b'too soon'))
        self.clock.now += RECONNECT_INTERVAL
        self.assertTrue(self.sender.send(b'frame 1'))
        self.assertEqual(listener.recv(100), b'frame 1')

    def test_full_queue_is_a_counted_drop_without_blocking(self):
        listener = receiver(self.path)  # never reads: a stalled daemon
        self.addCleanup(listener.close)
        frame = b'x' * 300
        # On another thread: a send that blocks on the full queue would block forever (nobody reads),
        # so it fails the join below instead of hanging the test. No timing bound: a loaded machine
        # makes any single send slow without it waiting for the receiver.
        sender = threading.Thread(target=lambda: [self.sender.send(frame) for _ in range(5000)], daemon=True)
        sender.start()
        sender.join(timeout=120)
        self.assertFalse(sender.is_alive(), "a send never waits for the receiver")
        counters = self.sender.counters()
        self.assertGreater(counters['sent'], 0)
        self.assertGreater(counters['dropped_queue_full'], 0)
        self.assertEqual(counters['sent'] + counters['dropped_queue_full'], 5000)

    def test_daemon_restart_reconnects_to_the_new_socket(self):
        first = receiver(self.path)
        self.assertTrue(self.sender.send(b'before'))
        self.assertEqual(first.recv(100), b'before')
        first.close()
        os.unlink(self.path)
        second = receiver(self.path)
        self.addCleanup(second.close)
        self.assertFalse(self.sender.send(b'lost'), "the old socket is gone: ECONNREFUSED")
        self.assertEqual(self.sender.counters()['dropped_daemon_down'], 1)
        self.clock.now += RECONNECT_INTERVAL
        self.assertTrue(self.sender.send(b'after'))
        self.assertEqual(second.recv(100), b'after')

    def test_oversized_datagram_is_a_counted_drop(self):
        listener = receiver(self.path)
        self.addCleanup(listener.close)
        self.assertFalse(self.sender.send(b'x' * (4 * 1024 * 1024)))
        self.assertEqual(self.sender.counters()['dropped_too_large'], 1)
        self.assertTrue(self.sender.send(b'small'), "the connection survives an oversized frame")


    @unittest.skipUnless(os.geteuid() == 0, "needs root to run a worker as nobody (CI runs as root)")
    def test_no_permission_is_counted_as_permission_denied_and_logged_once(self):
        # The socket lives in root's 0700 temporary directory: a worker running as nobody may not
        # search it. The daemon is up; the worker must say "permission denied", not "daemon down".
        listener = receiver(self.path)
        self.addCleanup(listener.close)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker, as nobody
            try:
                os.close(read_end)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                records = []
                handler = logging.Handler()
                handler.emit = lambda record: records.append(record.getMessage())
                logging.getLogger('dhcpkafka_dhcpkit.sender').addHandler(handler)
                sender = FrameSender(self.path, clock=self.clock)
                for _ in range(3):
                    for _ in range(10):
                        sender.send(b'frame')
                    self.clock.now += RECONNECT_INTERVAL  # every round tries to connect again
                os.write(write_end, json.dumps({'counters': sender.counters(), 'log': records}).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, 'rb') as pipe:
            report = json.loads(pipe.read().decode() or '{}')
        os.waitpid(pid, 0)
        counters = report['counters']
        self.assertEqual(counters['dropped_permission_denied'], 30, counters)
        self.assertEqual(counters['dropped_daemon_down'], 0, "the daemon is running: not 'down'")
        self.assertEqual(len(report['log']), 1, "one line, not one per frame or per attempt: %r" % report['log'])
        self.assertIn('permission denied for uid 65534', report['log'][0])
        self.assertIn('waiting will not help', report['log'][0])


if __name__ == '__main__':
    unittest.main()
