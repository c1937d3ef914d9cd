#!/usr/bin/env python3
"""
The demo's DHCPv6 population, sent to the daemon's socket as DHCPKafkaMessage frames.

Built with DHCPKit's own message classes (the project venv has dhcpkit), so every message is what a
real DHCPKit or Kea server would log. Several servers; per server, clients that are direct (wrapped
only in DHCPKit's internal relay-forw with interface-id "eth0", or not wrapped at all for the Kea-style
server) and clients behind a real relay (interface-id, remote-id). Each client has its own DUID-LL and
its own address (and, for some, its own delegated /56), and goes through Solicit/Advertise,
Request/Reply, Renew/Reply, and some Release/Reply; some Solicits stay unanswered. Timestamps spread
over the last 50 minutes, in order per client, so the lease history and the sparklines have a shape.

usage: demo-population.py SOCKET [--clients N]  (prints "sent N frames")
"""
import argparse
import ipaddress
import random
import socket
import sys
import time

from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.extensions.prefix_delegation import IAPDOption, IAPrefixOption
from dhcpkit.ipv6.extensions.remote_id import RemoteIdOption
from dhcpkit.ipv6.messages import (AdvertiseMessage, RelayForwardMessage, RelayReplyMessage, ReleaseMessage,
                                   RenewMessage, ReplyMessage, RequestMessage, SolicitMessage)
from dhcpkit.ipv6.options import (ClientIdOption, ElapsedTimeOption, IAAddressOption, IANAOption, InterfaceIdOption,
                                  RelayMessageOption, ServerIdOption, StatusCodeOption)
from dhcpkafka_dhcpkit.frame import encode_frame, server_name_bytes

# name, server number, wrapped in DHCPKit's internal relay (False: Kea-style direct messages)
SERVERS = [("dhcp-demo-01.example.net", 1, True), ("dhcp-demo-02.example.net", 2, True),
           ("kea-demo-03.example.net", 3, False)]


def client_duid(server, n):
    return LinkLayerDUID(hardware_type=1, link_layer_address=bytes([0x02, 0x42, server, 0, n >> 8, n & 0xFF]))


def wrap(message, relay, wrapper, peer, reply):
    """The message inside the real relay (if any), inside DHCPKit's internal wrapper (if any)."""
    relay_class = RelayReplyMessage if reply else RelayForwardMessage
    hops = 0
    if relay is not None:
        interface_id, remote_id, link = relay
        message = relay_class(hop_count=0, link_address=link, peer_address=peer, options=[
            InterfaceIdOption(interface_id), RemoteIdOption(enterprise_number=9, remote_id=remote_id),
            RelayMessageOption(message)])
        hops = 1
        peer = ipaddress.IPv6Address("2001:db8:ffff::1")  # the relay agent's own address
    if wrapper:
        message = relay_class(hop_count=hops, link_address=ipaddress.IPv6Address("::"), peer_address=peer,
                              options=[InterfaceIdOption(b"eth0"), RelayMessageOption(message)])
    return message


def population(clients_per_server, now):
    rng = random.Random(20261126)
    frames = []
    for name, server, wrapped in SERVERS:
        server_duid = LinkLayerDUID(hardware_type=1, link_layer_address=bytes([0x00, 0x16, 0x3e, 0, 0, server]))
        for n in range(clients_per_server):
            duid = client_duid(server, n)
            mac = bytes([0x02, 0x42, server, 0, n >> 8, n & 0xFF])
            eui = mac[:3] + b"\xff\xfe" + mac[3:]
            link_local = ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + bytes([eui[0] ^ 0x02]) + eui[1:])
            relayed = n % 3 != 0
            relay = None
            if relayed:
                relay = ("ge-0/0/{}.{}".format(n % 4, 100 + server).encode(), "cust-{:02d}-{:04d}".format(server, n).encode(),
                         ipaddress.IPv6Address("2001:db8:{:x}:{:x}::1".format(server, n % 4)))
            address = ipaddress.IPv6Address("2001:db8:{:x}:{:x}::{:x}".format(server, n % 4, 0x100 + n))
            prefix = ipaddress.IPv6Network("2001:db8:{:x}{:02x}:{:x}00::/56".format(0x10 + server, n >> 8, n & 0xFF))
            with_pd = n % 2 == 0
            t = now - 3000 + rng.uniform(0, 1200)
            txid = (server << 16 | n).to_bytes(3, "big")

            def ias(lifetime):
                options = [IANAOption(iaid=b"\0\0\0\1", t1=1800, t2=2880, options=[
                    IAAddressOption(address=address, preferred_lifetime=lifetime, valid_lifetime=lifetime * 2)])]
                if with_pd:
                    options.append(IAPDOption(iaid=b"\0\0\0\2", t1=1800, t2=2880, options=[
                        IAPrefixOption(prefix=prefix, preferred_lifetime=lifetime, valid_lifetime=lifetime * 2)]))
                return options

            def frame(request, response, at):
                latency = rng.uniform(0.0004, 0.004)
                message_in = wrap(request, relay, wrapped, link_local, False).save()
                message_out = b"" if response is None else wrap(response, relay, wrapped, link_local, True).save()
                frames.append((at, encode_frame(server_name_bytes(name), at, message_in,
                                                at + latency if response is not None else 0.0, message_out)))

            client = [ClientIdOption(duid), ElapsedTimeOption(0)]
            answers = [ClientIdOption(duid), ServerIdOption(server_duid)]
            if n % 11 == 5:
                # A client the server never answers (no addresses left in its pool, say).
                for attempt in range(3):
                    frame(SolicitMessage(txid, client + ias(0)), None, t + attempt * 4)
                continue
            frame(SolicitMessage(txid, client + ias(0)), AdvertiseMessage(txid, answers + ias(3600)), t)
            frame(RequestMessage(txid, client + [ServerIdOption(server_duid)] + ias(0)),
                  ReplyMessage(txid, answers + ias(3600)), t + 1.1)
            t += 1800 + rng.uniform(0, 60)
            if t < now:
                frame(RenewMessage(txid, client + [ServerIdOption(server_duid)] + ias(3600)),
                      ReplyMessage(txid, answers + ias(3600)), t)
            if n % 7 == 3 and t + 300 < now:
                frame(ReleaseMessage(txid, client + [ServerIdOption(server_duid)] + ias(3600)),
                      ReplyMessage(txid, answers + [StatusCodeOption(0, "Released")]), t + 300)
    frames.sort(key=lambda item: item[0])
    return [f for _, f in frames]


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("socket")
    parser.add_argument("--clients", type=int, default=60, help="clients per server")
    args = parser.parse_args()
    frames = population(args.clients, time.time())
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sent = 0
    for frame in frames:
        # The daemon's socket buffer may be full for a moment: wait, do not drop demo frames.
        for _ in range(1000):
            try:
                sock.sendto(frame, args.socket)
                sent += 1
                break
            except BlockingIOError:
                time.sleep(0.01)
    print("sent {} frames".format(sent))
    return 0 if sent == len(frames) else 1


if __name__ == "__main__":
    sys.exit(main())
