"""Shared helpers: import the package from this source tree, build realistic DHCPv6 transactions."""
import os
import random
import sys
from ipaddress import IPv6Address, IPv6Network

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from dhcpkit.ipv6.duids import LinkLayerDUID  # noqa: E402
from dhcpkit.ipv6.extensions.prefix_delegation import IAPDOption, IAPrefixOption  # noqa: E402
from dhcpkit.ipv6.extensions.remote_id import RemoteIdOption  # noqa: E402
from dhcpkit.ipv6.messages import (AdvertiseMessage, RelayForwardMessage, ReplyMessage,  # noqa: E402
                                   RequestMessage, SolicitMessage)
from dhcpkit.ipv6.options import (ClientIdOption, ElapsedTimeOption, IAAddressOption, IANAOption,  # noqa: E402
                                  InterfaceIdOption, RelayMessageOption, ServerIdOption)
from dhcpkit.ipv6.server.listeners import IncomingPacketBundle  # noqa: E402
from dhcpkit.ipv6.server.worker import parse_incoming_request  # noqa: E402

SERVER_DUID = LinkLayerDUID(hardware_type=1, link_layer_address=bytes.fromhex('020000000001'))


def client_duid(rng: random.Random) -> LinkLayerDUID:
    return LinkLayerDUID(hardware_type=1, link_layer_address=bytes(rng.randrange(256) for _ in range(6)))


def request(rng: random.Random):
    """A Solicit or Request with IA_NA and sometimes IA_PD, random DUID and transaction id."""
    options = [ClientIdOption(client_duid(rng)), ElapsedTimeOption(rng.randrange(1000)),
               IANAOption(iaid=rng.randrange(1 << 32).to_bytes(4, 'big'))]
    if rng.random() < 0.5:
        options.append(IAPDOption(iaid=b'\x00\x00\x00\x02'))
    xid = bytes(rng.randrange(256) for _ in range(3))
    if rng.random() < 0.5:
        return SolicitMessage(transaction_id=xid, options=options)
    return RequestMessage(transaction_id=xid, options=options + [ServerIdOption(SERVER_DUID)])


def reply_to(message, rng: random.Random):
    """An Advertise/Reply with the client's IAs filled in."""
    options = [message.get_option_of_type(ClientIdOption), ServerIdOption(SERVER_DUID)]
    for option in message.options:
        if isinstance(option, IANAOption):
            address = IPv6Address('2001:db8:1::') + rng.randrange(1, 1 << 16)
            options.append(IANAOption(iaid=option.iaid, options=[IAAddressOption(address, 3600, 7200)]))
        elif isinstance(option, IAPDOption):
            prefix = IPv6Network('2001:db8:{:x}::/48'.format(rng.randrange(0x100, 0xffff)))
            options.append(IAPDOption(iaid=option.iaid, options=[IAPrefixOption(prefix, 3600, 7200)]))
    cls = AdvertiseMessage if isinstance(message, SolicitMessage) else ReplyMessage
    return cls(transaction_id=message.transaction_id, options=options)


def relayed(message, hops: int, rng: random.Random):
    """`message` wrapped in `hops` relay-forw messages with interface-id and remote-id."""
    for hop in range(hops):
        message = RelayForwardMessage(
            hop_count=hop, link_address=IPv6Address('2001:db8:2::1'), peer_address=IPv6Address('fe80::1'),
            options=[InterfaceIdOption('ge-0/0/{}.{}'.format(hop, rng.randrange(100)).encode()),
                     RemoteIdOption(enterprise_number=4874, remote_id=bytes(rng.randrange(256) for _ in range(8))),
                     RelayMessageOption(message)])
    return message


def bundle_for(message):
    """A TransactionBundle as a DHCPKit worker builds it, including its internal relay wrapper."""
    packet = IncomingPacketBundle(data=bytes(message.save()), source_address=IPv6Address('fe80::1'),
                                  link_address=IPv6Address('2001:db8:1::1'), interface_index=2,
                                  received_over_multicast=True, relay_options=[InterfaceIdOption(b's-eth0')])
    return parse_incoming_request(packet)
