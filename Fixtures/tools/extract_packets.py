#!/usr/bin/env python3
"""
Extract DHCPv6 messages from the capture files in Fixtures/pcap and write Fixtures/packets/*.hex.

Standard library only.  Reads classic libpcap files with Ethernet framing (what tcpdump -w
writes on a veth), IPv6 + UDP (ports 546/547).  Each exchange seen by one capture point
(a message received by a server or relay agent, plus the answer to it, matched on the
transaction-id of the innermost client message) is written to its own file, one DHCPv6
message per line as lower-case hex, each preceded by '# ' comment lines.

Usage: extract_packets.py [fixtures-dir]     (default: the parent of this script's dir)
"""
import os
import struct
import sys
from datetime import datetime, timezone
from ipaddress import IPv6Address

MSG_TYPES = {
    1: 'solicit', 2: 'advertise', 3: 'request', 4: 'confirm', 5: 'renew', 6: 'rebind', 7: 'reply',
    8: 'release', 9: 'decline', 10: 'reconfigure', 11: 'information-request', 12: 'relay-forw',
    13: 'relay-repl',
}
SERVER_BOUND = {1, 3, 4, 5, 6, 8, 9, 11, 12}

# The capture files and what they show (see capture.sh)
CAPTURES = [
    ('direct.pcap', 'direct', 'server interface s-eth0 (Kea <-> dhclient on the same link)'),
    ('relayed-server-side.pcap', 'relayed',
     'server interface s-eth1 (Kea <-> relay agent: relay-forw / relay-repl)'),
    ('relayed-client-side.pcap', 'relayed-client-side',
     'relay interface r-down (dhclient <-> dhcrelay, client view of relayed exchanges)'),
]


class Packet:
    def __init__(self, capture, number, ts, src, dst, sport, dport, payload):
        self.capture = capture
        self.number = number        # 1-based, as tcpdump/wireshark count
        self.ts = ts                # seconds since the epoch, microsecond precision
        self.src, self.dst, self.sport, self.dport = src, dst, sport, dport
        self.payload = payload

    @property
    def msg_type(self):
        return self.payload[0]

    @property
    def iso_time(self):
        return datetime.fromtimestamp(self.ts, timezone.utc).isoformat(timespec='microseconds')

    def chain(self):
        """Message types from the outside in, and the innermost message."""
        types = []
        data = self.payload
        while data[0] in (12, 13):
            types.append(data[0])
            opts = data[34:]
            inner = None
            while len(opts) >= 4:
                code, length = struct.unpack('!HH', opts[:4])
                if code == 9:
                    inner = opts[4:4 + length]
                    break
                opts = opts[4 + length:]
            if inner is None:
                break
            data = inner
        types.append(data[0])
        return types, data

    def relay_options(self):
        """Option codes of the outermost relay message (empty if not relayed)."""
        if self.payload[0] not in (12, 13):
            return []
        codes, opts = [], self.payload[34:]
        while len(opts) >= 4:
            code, length = struct.unpack('!HH', opts[:4])
            codes.append(code)
            opts = opts[4 + length:]
        return codes

    def xid(self):
        return self.chain()[1][1:4]

    def has_inner_option(self, wanted):
        data = self.chain()[1]
        opts = data[4:]
        while len(opts) >= 4:
            code, length = struct.unpack('!HH', opts[:4])
            if code == wanted:
                return True
            opts = opts[4 + length:]
        return False

    def describe(self):
        types, _ = self.chain()
        return '('.join(MSG_TYPES.get(t, str(t)) for t in types) + ')' * (len(types) - 1)


def read_pcap(path):
    """Yield (number, timestamp, frame bytes) from a classic pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic == b'\xd4\xc3\xb2\xa1':
        endian, nano = '<', False
    elif magic == b'\xa1\xb2\xc3\xd4':
        endian, nano = '>', False
    elif magic == b'\x4d\x3c\xb2\xa1':
        endian, nano = '<', True
    elif magic == b'\xa1\xb2\x3c\x4d':
        endian, nano = '>', True
    else:
        raise ValueError('{}: not a pcap file'.format(path))
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    if linktype != 1:
        raise ValueError('{}: link type {} is not Ethernet'.format(path, linktype))
    offset, number = 24, 0
    while offset + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + 'IIII', data[offset:offset + 16])
        offset += 16
        number += 1
        ts = sec + frac / (1e9 if nano else 1e6)
        yield number, ts, data[offset:offset + incl]
        offset += incl


def dhcpv6_packets(path):
    name = os.path.basename(path)
    for number, ts, frame in read_pcap(path):
        ethertype = struct.unpack('!H', frame[12:14])[0]
        if ethertype != 0x86dd:
            continue
        ip = frame[14:]
        next_header = ip[6]
        src, dst = IPv6Address(ip[8:24]), IPv6Address(ip[24:40])
        if next_header != 17:
            continue   # no extension headers in these captures
        udp = ip[40:]
        sport, dport, ulen = struct.unpack('!HHH', udp[:6])
        if 546 not in (sport, dport) and 547 not in (sport, dport):
            continue
        yield Packet(name, number, ts, src, dst, sport, dport, bytes(udp[8:ulen]))


def exchanges(path, server_addresses):
    """
    Pair each message sent to the server (or relay) with its answer.

    :return: list of (received packet, answer packet or None)
    """
    packets = list(dhcpv6_packets(path))
    result, used = [], set()
    for i, pkt in enumerate(packets):
        if pkt.msg_type not in SERVER_BOUND or pkt.src in server_addresses:
            continue
        answer = None
        for j in range(i + 1, len(packets)):
            other = packets[j]
            if j not in used and other.msg_type not in SERVER_BOUND and other.xid() == pkt.xid() \
                    and other.dst == pkt.src:
                answer = other
                used.add(j)
                break
        result.append((pkt, answer))
    return result


# Addresses of the answering side at each capture point
ANSWERING = {
    'direct.pcap': {IPv6Address('fe80::ff:fe00:5e00'), IPv6Address('2001:db8:1::1')},
    'relayed-server-side.pcap': {IPv6Address('2001:db8:ff::1')},
    'relayed-client-side.pcap': {IPv6Address('fe80::ff:fe00:4e01'), IPv6Address('2001:db8:2::1')},
}


def exchange_name(prefix, seq, pkt, answer):
    types, inner = pkt.chain()
    parts = ['{}-{:02d}'.format(prefix, seq), MSG_TYPES[types[-1]]]
    if answer is not None:
        parts.append(MSG_TYPES[answer.chain()[0][-1]])
    else:
        parts.append('no-answer')
    if pkt.has_inner_option(14):
        parts.append('rapid-commit')
    if len(types) > 2:
        parts.append('{}hop'.format(len(types) - 1))
    if 37 in pkt.relay_options():
        parts.append('remote-id')
    return '-'.join(parts)


def comment(pkt, role, capture_desc):
    lines = [
        '{}: {} ({} bytes)'.format(role, pkt.describe(), len(pkt.payload)),
        '  {} [{}]:{} -> [{}]:{}'.format('udp', pkt.src, pkt.sport, pkt.dst, pkt.dport),
        '  capture {} packet #{} at {} ({:.6f})'.format(pkt.capture, pkt.number, pkt.iso_time, pkt.ts),
        '  captured on {}'.format(capture_desc),
    ]
    return ''.join('# ' + line + '\n' for line in lines)


def all_exchanges(fixtures):
    """(name, prefix, capture description, received, answer) for every capture."""
    out = []
    for file, prefix, desc in CAPTURES:
        path = os.path.join(fixtures, 'pcap', file)
        for seq, (pkt, answer) in enumerate(exchanges(path, ANSWERING[file]), 1):
            out.append((exchange_name(prefix, seq, pkt, answer), prefix, desc, pkt, answer))
    return out


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(fixtures, 'packets')
    os.makedirs(out_dir, exist_ok=True)
    for old in os.listdir(out_dir):
        if old.endswith('.hex'):
            os.remove(os.path.join(out_dir, old))

    for name, prefix, desc, pkt, answer in all_exchanges(fixtures):
        with open(os.path.join(out_dir, name + '.hex'), 'w') as f:
            f.write('# {}: real DHCPv6 messages (UDP payloads) captured by tcpdump, see Fixtures/README.md\n'
                    .format(name))
            f.write(comment(pkt, 'to server' if prefix != 'relayed-client-side' else 'client to relay', desc))
            f.write(pkt.payload.hex() + '\n')
            if answer is not None:
                f.write(comment(answer, 'from server' if prefix != 'relayed-client-side' else 'relay to client',
                                desc))
                f.write(answer.payload.hex() + '\n')
            else:
                f.write('# no answer: the server discarded this message\n')
        print('{:58s} {:>4d} {:>5s}'.format(name, len(pkt.payload), str(len(answer.payload)) if answer else '-'))


if __name__ == '__main__':
    main()
