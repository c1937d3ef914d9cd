#!/usr/bin/env python3
"""Transactions as the original DHCPKit + dhcpkit-kafka 1.0.0 publish them, for the looking-glass tests.

Each is built from dhcpkit's own classes the way DHCPKit's worker does: the client's message, the
real relay's relay-forw around it (interface-id, remote-id), and DHCPKit's internal wrapper around
everything (hop count one more, interface-id = the server's interface name), then encoded with
dhcpkit_kafka.messages.DHCPKafkaMessage.save(). Prints one JSON object per line:
{"hex": frame, "duid": client DUID hex, "interface_id": hex, "remote_id": hex, "address": text}.

Usage: original_transactions.py COUNT INTERFACE_ID_TEXT
"""
import json
import sys
from ipaddress import IPv6Address

from dhcpkit.ipv6 import messages as m
from dhcpkit.ipv6 import options as o
from dhcpkit.ipv6.duids import LinkLayerDUID
from dhcpkit.ipv6.extensions import remote_id
from dhcpkit_kafka.messages import DHCPKafkaMessage


def relay(cls, inner, hop, peer, options):
    return cls(hop_count=hop, link_address=IPv6Address("2001:db8:7::1"), peer_address=IPv6Address(peer),
               options=options + [o.RelayMessageOption(relayed_message=inner)])


def main():
    count, interface_text = int(sys.argv[1]), sys.argv[2]
    interface_id = interface_text.encode()
    remote = b"olt-3/port-" + interface_id[:8]
    for n in range(count):
        duid = LinkLayerDUID(hardware_type=1, link_layer_address=bytes([0x00, 0x16, 0x3e, 0, n >> 8, n & 0xFF]))
        address = IPv6Address("2001:db8:7::") + 0x100 + n
        ia = o.IANAOption(iaid=b"\x00\x00\x00\x01", t1=1800, t2=2880,
                          options=[o.IAAddressOption(address=address, preferred_lifetime=1800, valid_lifetime=3600)])
        request = m.RequestMessage(transaction_id=bytes([1, 2, n & 0xFF]), options=[o.ClientIdOption(duid), ia])
        reply = m.ReplyMessage(transaction_id=bytes([1, 2, n & 0xFF]), options=[
            o.ServerIdOption(LinkLayerDUID(hardware_type=1, link_layer_address=b"\x02\0\0\0\0\x07")),
            o.ClientIdOption(duid), ia])
        peer = "fe80::216:3eff:fe00:%x" % n
        real = [o.InterfaceIdOption(interface_id), remote_id.RemoteIdOption(4491, remote)]
        wrapper = [o.InterfaceIdOption(b"eth0")]
        message_in = relay(m.RelayForwardMessage, relay(m.RelayForwardMessage, request, 0, peer, real), 1,
                           "2001:db8:7::1", wrapper)
        message_out = relay(m.RelayReplyMessage, relay(m.RelayReplyMessage, reply, 0, peer, real), 1,
                            "2001:db8:7::1", wrapper)
        frame = DHCPKafkaMessage(server_name="original-dhcpkit", timestamp_in=1795555000.0 + n,
                                 message_in=message_in, timestamp_out=1795555000.004 + n, message_out=message_out)
        print(json.dumps({"hex": frame.save().hex(), "duid": duid.save().hex(), "interface_id": interface_id.hex(),
                          "remote_id": remote.hex(), "address": str(address)}))


if __name__ == "__main__":
    main()
