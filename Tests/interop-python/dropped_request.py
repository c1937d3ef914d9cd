#!/usr/bin/env python3
"""
Sends DHCPv6 messages a server must drop without replying (RFC 8415 18.4: a Request whose
Server Identifier names another server), from the client namespace to ff02::1:2 through
scripted_client's direct transport, and prints one JSON object per message:
{"in": "request", "out": null|"<type>", "duid": hex, "xid": hex, "server_duid": hex}.
"out" is the answer with that transaction id that came back within --timeout seconds
(null: dropped, as expected).
Uses dhcpkit (PyPI) to build and parse the messages.
"""
import argparse
import json

from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.messages import RequestMessage
from dhcpkit.ipv6.options import ClientIdOption, ElapsedTimeOption, IANAOption, ServerIdOption

from scripted_client import Transport

OTHER_SERVER = LinkLayerDUID(hardware_type=1, link_layer_address=bytes.fromhex('02000000ee99'))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--interface', required=True)
    parser.add_argument('--link-local', required=True)
    parser.add_argument('--count', type=int, default=2)
    parser.add_argument('--timeout', type=float, default=1.0)
    args = parser.parse_args()
    args.mode = 'direct'
    transport = Transport(args)
    for number in range(args.count):
        duid = LinkLayerDUID(hardware_type=1, link_layer_address=bytes([0x02, 0x00, 0xd0, 0x0d, 0x00, number]))
        xid = bytes([0xd0, 0x0d, number])
        request = RequestMessage(transaction_id=xid, options=[
            ClientIdOption(duid), ServerIdOption(OTHER_SERVER), ElapsedTimeOption(0), IANAOption(iaid=b'\x00\x00\x00\x01')])
        answer = transport.exchange(request)
        print(json.dumps({'in': 'request', 'out': None if answer is None else type(answer).__name__,
                          'duid': duid.save().hex(), 'xid': xid.hex(), 'server_duid': OTHER_SERVER.save().hex()}),
              flush=True)


if __name__ == '__main__':
    main()
