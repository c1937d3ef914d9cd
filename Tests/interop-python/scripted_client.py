#!/usr/bin/env python3
"""
A scripted DHCPv6 client (or relay agent) for end-to-end tests against real servers.

Each of --clients clients (own DUID-LL, own transaction ids) runs Solicit -> Advertise,
Request -> Reply, Renew -> Reply, Release -> Reply with IA_NA (and IA_PD unless --no-pd).

  --mode direct  runs in the client's namespace: sends from port 546 of the interface's
                 link-local address to ff02::1:2 (All_DHCP_Relay_Agents_and_Servers).
  --mode relay   runs in the relay's namespace: wraps every message in a relay-forw with
                 interface-id and remote-id (and, with --hops 2, a second relay-forw around it),
                 sends from port 547 of --source to --server, unwraps the relay-repl.

Prints one JSON object per transaction the server answered (and per message it ignored, with
"out": null) on standard output, so the test can match them with what reached Kafka:
  {"in": "solicit", "out": "advertise", "duid": hex, "xid": hex, "relayed": bool,
   "addresses": [...], "prefixes": [...], "interface_id": hex|null, "remote_id": hex|null}
Uses dhcpkit (PyPI) to build and parse the messages.
"""
import argparse
import json
import socket
import sys
from ipaddress import IPv6Address

from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.extensions.prefix_delegation import IAPDOption, IAPrefixOption
from dhcpkit.ipv6.extensions.remote_id import RemoteIdOption
from dhcpkit.ipv6.messages import (Message, RelayForwardMessage, RelayReplyMessage, ReleaseMessage,
                                   RenewMessage, RequestMessage, SolicitMessage)
from dhcpkit.ipv6.options import (ClientIdOption, ElapsedTimeOption, IAAddressOption, IANAOption,
                                  InterfaceIdOption, OptionRequestOption, RelayMessageOption,
                                  ServerIdOption)

INTERFACE_ID = b'ge-0/0/1.42'
REMOTE_ID = (4874, b'CPE-4C:5E:0C:12:34:56')
MESSAGE_NAMES = {1: 'solicit', 2: 'advertise', 3: 'request', 5: 'renew', 7: 'reply', 8: 'release'}


def innermost(message):
    while isinstance(message, (RelayForwardMessage, RelayReplyMessage)):
        message = message.relayed_message
    return message


class Transport:
    def __init__(self, args):
        self.args = args
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.settimeout(args.timeout)
        if args.mode == 'direct':
            scope = socket.if_nametoindex(args.interface)
            self.link_local = args.link_local
            self.sock.bind((args.link_local, 546, 0, scope))
            self.destination = ('ff02::1:2', 547, 0, scope)
        else:
            self.sock.bind((args.source, 547))
            self.destination = (args.server, 547)

    def wrap(self, message):
        if self.args.mode == 'direct':
            return message
        peer = IPv6Address('fe80::ff:fec2:a01')
        wrapped = RelayForwardMessage(hop_count=0, link_address=IPv6Address(self.args.link_address),
                                      peer_address=peer, options=[
                                          InterfaceIdOption(INTERFACE_ID),
                                          RemoteIdOption(enterprise_number=REMOTE_ID[0], remote_id=REMOTE_ID[1]),
                                          RelayMessageOption(message)])
        if self.args.hops == 2:
            wrapped = RelayForwardMessage(hop_count=1, link_address=IPv6Address(self.args.source),
                                          peer_address=IPv6Address(self.args.link_address),
                                          options=[RelayMessageOption(wrapped)])  # the inner relay's options are the ones reported
        return wrapped

    def exchange(self, message):
        """Sends `message`, returns the innermost reply with the same transaction id, or None."""
        self.sock.sendto(self.wrap(message).save(), self.destination)
        while True:
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            _, parsed = Message.parse(data)
            reply = innermost(parsed)
            if getattr(reply, 'transaction_id', None) == message.transaction_id:
                return reply


def leases(message):
    addresses, prefixes = [], []
    for option in message.options if message else []:
        if isinstance(option, IANAOption):
            addresses += [str(o.address) for o in option.options if isinstance(o, IAAddressOption)]
        if isinstance(option, IAPDOption):
            prefixes += ['{}/{}'.format(o.prefix.network_address, o.prefix.prefixlen)
                         for o in option.options if isinstance(o, IAPrefixOption)]
    return addresses, prefixes


def record(args, duid, message, reply):
    addresses, prefixes = leases(reply)
    relayed = args.mode == 'relay'
    print(json.dumps({
        'in': MESSAGE_NAMES.get(message.message_type, str(message.message_type)),
        'out': MESSAGE_NAMES.get(reply.message_type, str(reply.message_type)) if reply else None,
        'duid': duid.save().hex(), 'xid': message.transaction_id.hex(), 'relayed': relayed,
        'addresses': addresses, 'prefixes': prefixes,
        'interface_id': INTERFACE_ID.hex() if relayed else None,
        'remote_id': REMOTE_ID[1].hex() if relayed else None,
    }), flush=True)


def run_client(transport, args, number):
    mac = bytes([0x02, 0x00, 0x5c, args.mac_byte, (number >> 8) & 0xFF, number & 0xFF])
    duid = LinkLayerDUID(hardware_type=1, link_layer_address=mac)
    client_id = ClientIdOption(duid)
    oro = OptionRequestOption([23, 24])
    xid = lambda step: bytes([args.mac_byte, number & 0xFF, step])

    def ias(source=None):
        if source is not None:
            return [o for o in source.options if isinstance(o, (IANAOption, IAPDOption))]
        requested = [IANAOption(iaid=b'\x00\x00\x00\x01')]
        if not args.no_pd:
            requested.append(IAPDOption(iaid=b'\x00\x00\x00\x02'))
        return requested

    def step(message):
        reply = transport.exchange(message)
        record(args, duid, message, reply)
        return reply

    advertise = step(SolicitMessage(transaction_id=xid(1), options=[client_id, ElapsedTimeOption(0), oro] + ias()))
    if advertise is None:
        return False
    server_id = advertise.get_option_of_type(ServerIdOption)
    reply = step(RequestMessage(transaction_id=xid(2),
                                options=[client_id, server_id, ElapsedTimeOption(0), oro] + ias(advertise)))
    if reply is None:
        return False
    renewed = step(RenewMessage(transaction_id=xid(3),
                                options=[client_id, server_id, ElapsedTimeOption(0), oro] + ias(reply)))
    released = step(ReleaseMessage(transaction_id=xid(4),
                                   options=[client_id, server_id, ElapsedTimeOption(0)] + ias(renewed or reply)))
    return renewed is not None and released is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--mode', choices=['direct', 'relay'], required=True)
    parser.add_argument('--clients', type=int, default=3)
    parser.add_argument('--interface', help='direct mode: the client interface')
    parser.add_argument('--link-local', help='direct mode: that interface\'s link-local address')
    parser.add_argument('--server', default='2001:db8:ff::1', help='relay mode: the server address')
    parser.add_argument('--source', default='2001:db8:ff::2', help='relay mode: the relay agent\'s address')
    parser.add_argument('--link-address', default='2001:db8:2::1', help='relay mode: link-address field')
    parser.add_argument('--hops', type=int, choices=[1, 2], default=1)
    parser.add_argument('--no-pd', action='store_true', help='do not ask for prefix delegation')
    parser.add_argument('--mac-byte', type=lambda s: int(s, 0), default=0x01,
                        help='4th MAC byte of the client DUIDs, to keep runs apart')
    parser.add_argument('--timeout', type=float, default=3.0)
    args = parser.parse_args()
    if args.mode == 'direct' and not (args.interface and args.link_local):
        parser.error('direct mode needs --interface and --link-local')
    transport = Transport(args)
    ok = all([run_client(transport, args, number) for number in range(args.clients)])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
