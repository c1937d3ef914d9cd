#!/usr/bin/env python3
"""
Build dhcpkit-kafka 1.0.0 frames from the captured DHCPv6 exchanges, using the original
implementation (PyPI dhcpkit + dhcpkit-kafka) as the encoder, then verify them.

Each frame pairs a message the server received (the client's message, or the relay-forw as
the server saw it) with the server's answer, with the capture timestamps as timestamp-in and
timestamp-out.  A few extra frames cover edge cases (no answer, no incoming message, empty
and non-ASCII server names, an unknown Kafka message type).

Usage: /path/to/venv/bin/python make_frames.py [fixtures-dir]
Writes <fixtures-dir>/frames/*.hex and prints a summary table.
"""
import os
import sys

from dhcpkit.ipv6.messages import Message
from dhcpkit_kafka.messages import DHCPKafkaMessage, KafkaMessage, UnknownKafkaMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import extract_packets  # noqa: E402

SERVER = 'kea01.example.net'
SERVER_ZURICH = 'dhcp-zürich-01.example.net'
# 255 bytes of UTF-8, the longest name the format allows (mixes 1-, 2- and 3-byte characters)
SERVER_LONG = 'dhcp-' + 'ü' * 60 + '-' + '東' * 36 + '-' + 'x' * 8 + '.example.net'
assert len(SERVER_LONG.encode('utf-8')) == 255

# Server-side exchanges that are also published under the non-ASCII server name
ZURICH = ['direct-01', 'direct-02', 'direct-05', 'relayed-05', 'relayed-06']

# A server that drops a message still publishes the transaction: timestamp-out is when the
# server finished with it.  The capture cannot show that moment; use this offset.
NO_ANSWER_DELAY = 0.000250


def parse(payload: bytes) -> Message:
    length, message = Message.parse(payload)
    assert length == len(payload)
    return message


def comment_lines(text):
    return ''.join('# ' + line + '\n' for line in text.splitlines())


class Frame:
    def __init__(self, group, name, kafka_message, description):
        self.group = group
        self.name = name
        self.message = kafka_message
        self.description = description
        self.data = bytes(kafka_message.save())


def dhcp_frame(group, name, server_name, pkt, answer, note=''):
    ts_out = answer.ts if answer else pkt.ts + NO_ANSWER_DELAY
    msg = DHCPKafkaMessage(server_name=server_name,
                           timestamp_in=pkt.ts, message_in=parse(pkt.payload),
                           timestamp_out=ts_out, message_out=parse(answer.payload) if answer else None)
    desc = ['server-name: {}'.format(server_name),
            'timestamp-in:  {:.6f}  {} = {} packet #{}'.format(pkt.ts, pkt.describe(), pkt.capture, pkt.number)]
    if answer:
        desc.append('timestamp-out: {:.6f}  {} = {} packet #{}'.format(
            answer.ts, answer.describe(), answer.capture, answer.number))
    else:
        desc.append('timestamp-out: {:.6f}  no message-out (server dropped the message; '
                    'timestamp-in + {:.6f})'.format(ts_out, NO_ANSWER_DELAY))
    if note:
        desc.append(note)
    return Frame(group, name, msg, '\n'.join(desc))


def build(fixtures):
    exchanges = {name: (prefix, pkt, answer)
                 for name, prefix, desc, pkt, answer in extract_packets.all_exchanges(fixtures)}
    by_short = {}
    for name in exchanges:
        by_short['-'.join(name.split('-')[:2])] = name

    frames = []
    # 1. every exchange the server saw, as published by a relay on kea01
    for name, (prefix, pkt, answer) in exchanges.items():
        if prefix in ('direct', 'relayed'):
            frames.append(dhcp_frame(prefix, name, SERVER, pkt, answer))

    # 2. non-ASCII server name
    for short in ZURICH:
        name = by_short[short]
        prefix, pkt, answer = exchanges[name]
        frames.append(dhcp_frame('server-names', 'zurich-' + name, SERVER_ZURICH, pkt, answer))

    # 3. edge cases
    _, pkt, answer = exchanges[by_short['direct-05']]
    frames.append(dhcp_frame('edge-cases', 'empty-server-name-' + by_short['direct-05'], '', pkt, answer,
                             'edge case: empty server name (name-len 0)'))
    _, pkt, answer = exchanges[by_short['direct-03']]
    frames.append(dhcp_frame('edge-cases', 'long-server-name-' + by_short['direct-03'], SERVER_LONG, pkt, answer,
                             'edge case: 255-byte UTF-8 server name (maximum)'))

    _, pkt, answer = exchanges[by_short['direct-02']]
    msg = DHCPKafkaMessage(server_name=SERVER, timestamp_in=pkt.ts, message_in=None,
                           timestamp_out=answer.ts, message_out=parse(answer.payload))
    frames.append(Frame('edge-cases', 'no-message-in', msg,
                        'server-name: {}\nedge case: message-in absent (length 0), timestamp-in {:.6f} kept\n'
                        'timestamp-out: {:.6f}  {} = {} packet #{}'.format(
                            SERVER, pkt.ts, answer.ts, answer.describe(), answer.capture, answer.number)))

    msg = DHCPKafkaMessage(server_name=SERVER, timestamp_in=pkt.ts, message_in=None,
                           timestamp_out=pkt.ts, message_out=None)
    frames.append(Frame('edge-cases', 'no-messages', msg,
                        'server-name: {}\nedge case: both messages absent, timestamps {:.6f}'.format(SERVER, pkt.ts)))

    msg = UnknownKafkaMessage(message_type=7, message_data=b'\x00\x2afuture kafka message type \xe2\x9c\x93')
    frames.append(Frame('edge-cases', 'unknown-type-7', msg,
                        'edge case: UnknownKafkaMessage(message_type=7), opaque data after the type byte'))
    return frames, exchanges


def chain(message):
    """Short description of a message: its type, with the relayed message inside."""
    if message is None:
        return '-'
    name = type(message).__name__.replace('Message', '').replace('InformationRequest', 'InfoReq')
    name = name.replace('RelayForward', 'RF').replace('RelayReply', 'RR')
    inner = getattr(message, 'relayed_message', None)
    return '{}({})'.format(name, chain(inner)) if inner is not None else name


def verify(frames, exchanges):
    ok = True
    payloads = {}
    for name, (prefix, pkt, answer) in exchanges.items():
        payloads[pkt.payload] = True
        if answer:
            payloads[answer.payload] = True
    rows = []
    for f in frames:
        parsed_len, parsed = KafkaMessage.parse(f.data)
        resaved = bytes(parsed.save())
        same = resaved == f.data and parsed_len == len(f.data)
        # the embedded DHCPv6 messages must be byte-identical to the captured ones
        exact = True
        if isinstance(parsed, DHCPKafkaMessage):
            for m in (parsed.message_in, parsed.message_out):
                if m is not None and bytes(m.save()) not in payloads:
                    exact = False
            kind = '{} -> {}'.format(chain(parsed.message_in), chain(parsed.message_out))
            server = parsed.server_name
        else:
            kind = '{}(type {})'.format(type(parsed).__name__, parsed.message_type)
            server = ''
        ok = ok and same and exact
        rows.append((f.group, f.name, len(f.data), server, kind, 'ok' if same else 'DIFF',
                     'ok' if exact else 'CHANGED'))
    return ok, rows


def write(frames, fixtures):
    out_dir = os.path.join(fixtures, 'frames')
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        if old.endswith('.hex'):
            os.remove(os.path.join(out_dir, old))
    header = ('# dhcpkit-kafka 1.0.0 frames encoded by the original Python implementation\n'
              '# (DHCPKafkaMessage.save()) from real captured DHCPv6 exchanges; see Fixtures/README.md.\n'
              '# One frame per line as lower-case hex; lines starting with "# " are comments.\n')
    groups = {}
    for f in frames:
        groups.setdefault(f.group, []).append(f)
    for group, members in list(groups.items()) + [('all', frames)]:
        with open(os.path.join(out_dir, group + '.hex'), 'w') as out:
            out.write(header)
            for f in members:
                out.write('# frame {} ({} bytes)\n'.format(f.name, len(f.data)))
                out.write(comment_lines(f.description))
                out.write(f.data.hex() + '\n')


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames, exchanges = build(fixtures)
    write(frames, fixtures)

    # re-read the written file and verify every line
    reread = []
    with open(os.path.join(fixtures, 'frames', 'all.hex')) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    assert lines == [fr.data.hex() for fr in frames], 'all.hex does not match'
    ok, rows = verify(frames, exchanges)

    print('{:12s} {:54s} {:>5s}  {:28s} {:30s} {:6s} {:7s}'.format(
        'group', 'frame', 'bytes', 'server-name', 'message-in -> message-out', 'resave', 'dhcpv6'))
    for group, name, size, server, kind, same, exact in rows:
        server = server if len(server) <= 28 else server[:25] + '...'
        print('{:12s} {:54s} {:>5d}  {:28s} {:30s} {:6s} {:7s}'.format(group, name, size, server, kind, same, exact))
    print('{} frames, {} from real exchanges; all parse and re-save identically: {}'.format(
        len(frames), sum(1 for f in frames if f.group in ('direct', 'relayed', 'server-names')), ok))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
