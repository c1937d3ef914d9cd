#!/usr/bin/env python3
"""
Sends DHCPv6 messages a server must drop without replying (RFC 8415 18.4: a Request whose
Server Identifier names another server), from the client namespace to ff02::1:2, and prints one
JSON object per message: {"in": "request", "out": null|"<type>", "duid": hex, "xid": hex,
"server_duid": hex}. "out" is what came back within --timeout seconds (null: dropped, as expected).
Uses dhcpkit (PyPI) to build and parse the messages.
"""
import argparse
import json
import socket

from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.messages import Message, RequestMessage
from dhcpkit.ipv6.options import ClientIdOption, ElapsedTimeOption, IANAOption, ServerIdOption

OTHER_SERVER = LinkLayerDUID(hardware_type=1, link_layer_address=bytes.fromhex('02000000ee99'))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--interface', required=True)
    parser.add_argument('--link-local', required=True)
    parser.add_argument('--count', type=int, default=2)
    parser.add_argument('--timeout', type=float, default=1.0)
    args = parser.parse_args()
    scope = socket.if_nametoindex(args.interface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.link_local, 546, 0, scope))
    sock.settimeout(args.timeout)
    for number in range(args.count):
        duid = LinkLayerDUID(hardware_type=1, link_layer_address=bytes([0x02, 0x00, 0xd0, 0x0d, 0x00, number]))
        xid = bytes([0xd0, 0x0d, number])
        request = RequestMessage(transaction_id=xid, options=[
            ClientIdOption(duid), ServerIdOption(OTHER_SERVER), ElapsedTimeOption(0), IANAOption(iaid=b'\x00\x00\x00\x01')])
        sock.sendto(request.save(), ('ff02::1:2', 547, 0, scope))
        answer = None
        try:
            data, _ = sock.recvfrom(65535)
            _, answer = Message.parse(data)
        except socket.timeout:
            pass
        print(json.dumps({'in': 'request', 'out': None if answer is None else type(answer).__name__,
                          'duid': duid.save().hex(), 'xid': xid.hex(), 'server_duid': OTHER_SERVER.save().hex()}),
              flush=True)


if __name__ == '__main__':
    main()
