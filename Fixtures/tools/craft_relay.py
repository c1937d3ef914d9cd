#!/usr/bin/env python3
"""
Send a few hand-built relay-forw messages to Kea and wait for its real relay-repl answers.

ISC dhcrelay cannot add a Remote-ID (option 37), so this plays the role of a relay agent
that does.  Runs inside the relay namespace (dk-r) of capture.sh, after dhcrelay has been
stopped, and uses dhcpkit (PyPI) to build the messages.  The captures are taken by tcpdump
on the server side, so the fixtures contain exactly the bytes Kea received and sent.

Exchanges:
  1. relay-forw(Solicit)  [interface-id, remote-id, subscriber-id] -> relay-repl(Advertise)
  2. relay-forw(Request)  [same relay options]                     -> relay-repl(Reply)
  3. relay-forw(relay-forw(Information-request)), two relay hops   -> relay-repl(relay-repl(Reply))
  4. relay-forw(Release)  [same relay options]                     -> relay-repl(Reply)
  5. relay-forw(Request) naming another server's DUID               -> no answer (Kea drops it)
"""
import os
import socket
import sys
from ipaddress import IPv6Address

from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.extensions.prefix_delegation import IAPDOption
from dhcpkit.ipv6.extensions.remote_id import RemoteIdOption
from dhcpkit.ipv6.extensions.subscriber_id import SubscriberIdOption
from dhcpkit.ipv6.messages import (InformationRequestMessage, Message, RelayForwardMessage, RelayReplyMessage,
                                   ReleaseMessage, RequestMessage, SolicitMessage)
from dhcpkit.ipv6.options import (ClientIdOption, ElapsedTimeOption, IANAOption, InterfaceIdOption,
                                  OptionRequestOption, RelayMessageOption, ServerIdOption)

SERVER = ('2001:db8:ff::1', 547)
LINK_ADDRESS = IPv6Address('2001:db8:2::1')
CLIENT_MAC = bytes.fromhex('020000c20a01')
CLIENT_LL = IPv6Address('fe80::ff:fec2:a01')

RELAY_OPTIONS = [
    InterfaceIdOption(b'ge-0/0/1.42'),
    RemoteIdOption(enterprise_number=4874, remote_id=b'CPE-4C:5E:0C:12:34:56'),
    SubscriberIdOption(b'sub-0815@example.net'),
]

client_id = ClientIdOption(LinkLayerDUID(hardware_type=1, link_layer_address=CLIENT_MAC))
oro = OptionRequestOption([23, 24, 31, 82])


def relay(inner: Message, options=None, hop_count=0, link_address=LINK_ADDRESS, peer=CLIENT_LL):
    opts = list(RELAY_OPTIONS if options is None else options)
    opts.append(RelayMessageOption(inner))
    return RelayForwardMessage(hop_count=hop_count, link_address=link_address, peer_address=peer, options=opts)


def exchange(sock, msg: Message, expect_reply=True) -> Message:
    data = msg.save()
    sock.sendto(data, SERVER)
    if not expect_reply:
        try:
            reply, addr = sock.recvfrom(65535)
        except socket.timeout:
            print('sent {} ({} bytes), no reply (as expected)'.format(type(msg).__name__, len(data)))
            return None
        raise RuntimeError('unexpected reply ({} bytes)'.format(len(reply)))
    reply, addr = sock.recvfrom(65535)
    length, parsed = Message.parse(reply)
    print('sent {} ({} bytes), got {} ({} bytes) from {}'.format(
        type(msg).__name__, len(data), type(parsed).__name__, len(reply), addr[0]))
    return parsed


def innermost(msg: Message) -> Message:
    while isinstance(msg, RelayReplyMessage):
        msg = msg.relayed_message
    return msg


def main():
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('2001:db8:ff::2', 547))
    sock.settimeout(5)

    # 1. Solicit
    solicit = SolicitMessage(transaction_id=b'\x5a\x01\x01', options=[
        client_id, ElapsedTimeOption(0), oro,
        IANAOption(iaid=b'\x00\x00\x00\x01'),
        IAPDOption(iaid=b'\x00\x00\x00\x02'),
    ])
    advertise = innermost(exchange(sock, relay(solicit)))
    server_id = advertise.get_option_of_type(ServerIdOption)
    ia_na = advertise.get_option_of_type(IANAOption)
    ia_pd = advertise.get_option_of_type(IAPDOption)

    # 2. Request what was advertised
    request = RequestMessage(transaction_id=b'\x5a\x01\x02', options=[
        client_id, server_id, ElapsedTimeOption(0), oro, ia_na, ia_pd,
    ])
    reply = innermost(exchange(sock, relay(request)))

    # 3. Information-request through two relays (the outer one without remote-id)
    info = InformationRequestMessage(transaction_id=b'\x5a\x01\x03', options=[
        client_id, ElapsedTimeOption(0), OptionRequestOption([23, 24, 31, 32]),
    ])
    inner_relay = relay(info)
    outer_relay = relay(inner_relay, options=[InterfaceIdOption(b'agg1:xe-1/2/3'),
                                              SubscriberIdOption(b'sub-0815@example.net')],
                        hop_count=1, link_address=IPv6Address('2001:db8:ff::2'),
                        peer=IPv6Address('2001:db8:2::1'))
    exchange(sock, outer_relay)

    # 4. Release the leases from (2)
    release = ReleaseMessage(transaction_id=b'\x5a\x01\x04', options=[
        client_id, server_id, ElapsedTimeOption(0),
        reply.get_option_of_type(IANAOption), reply.get_option_of_type(IAPDOption),
    ])
    exchange(sock, relay(release))

    # 5. Request for another server: the server must discard it
    other_server = ServerIdOption(LinkLayerDUID(hardware_type=1, link_layer_address=bytes.fromhex('02000000ff99')))
    stray = RequestMessage(transaction_id=b'\x5a\x01\x05', options=[
        client_id, other_server, ElapsedTimeOption(0), oro,
        IANAOption(iaid=b'\x00\x00\x00\x01'), IAPDOption(iaid=b'\x00\x00\x00\x02'),
    ])
    sock.settimeout(3)
    exchange(sock, relay(stray), expect_reply=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
