#!/usr/bin/env python3
"""Generate randomized DHCPKafkaMessage frames with the original dhcpkit-kafka 1.0.0 encoder.

Used by the Swift interop tests as an oracle: every frame here is built from dhcpkit's own
message and option classes and encoded by dhcpkit_kafka.messages.DHCPKafkaMessage.save().
Each output line is one JSON object: the frame as hex plus a structural description of what
dhcpkit put in it, so the Swift decoder can be checked field by field.

Usage: generate_frames.py SEED COUNT
"""
import random
import struct
import sys
from ipaddress import IPv6Address, IPv6Network

from dhcpkit.ipv6 import messages as m
from dhcpkit.ipv6 import options as o
from dhcpkit.ipv6.duids import EnterpriseDUID, LinkLayerDUID, LinkLayerTimeDUID
from dhcpkit.ipv6.extensions import dns, ntp, prefix_delegation as pd, remote_id, sol_max_rt, subscriber_id
from dhcpkit.ipv6.extensions.linklayer_id import LinkLayerIdOption
from dhcpkit_kafka.messages import DHCPKafkaMessage, UnknownKafkaMessage

from describe import describe_frame

NAME_PARTS = ["dhcp", "kea", "srv", "zürich", "köln", "東京", "edge", "core", "ä", "x"]


def rbytes(rng, lo, hi):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(lo, hi)))


def raddr(rng):
    return IPv6Address(rng.getrandbits(128))


def rduid(rng):
    kind = rng.randrange(3)
    if kind == 0:
        return LinkLayerDUID(hardware_type=1, link_layer_address=rbytes(rng, 6, 6))
    if kind == 1:
        return LinkLayerTimeDUID(hardware_type=rng.choice([1, 6, 32]), time=rng.getrandbits(32),
                                 link_layer_address=rbytes(rng, 6, 8))
    return EnterpriseDUID(enterprise_number=rng.getrandbits(32), identifier=rbytes(rng, 1, 24))


def rstatus(rng):
    return o.StatusCodeOption(rng.randrange(7), rng.choice(["", "Success", "No addresses available", "Grüße ✓"]))


def ria_na(rng, with_addresses):
    opts = []
    if with_addresses:
        for _ in range(rng.randint(0, 3)):
            sub = [rstatus(rng)] if rng.random() < 0.2 else []
            opts.append(o.IAAddressOption(raddr(rng), rng.getrandbits(32), rng.getrandbits(32), sub))
    if rng.random() < 0.2:
        opts.append(rstatus(rng))
    return o.IANAOption(rbytes(rng, 4, 4), rng.getrandbits(32), rng.getrandbits(32), opts)


def ria_ta(rng, with_addresses):
    opts = []
    if with_addresses:
        opts = [o.IAAddressOption(raddr(rng), rng.getrandbits(32), rng.getrandbits(32)) for _ in range(rng.randint(0, 2))]
    return o.IATAOption(rbytes(rng, 4, 4), opts)


def ria_pd(rng, with_prefixes):
    opts = []
    if with_prefixes:
        for _ in range(rng.randint(0, 3)):
            length = rng.randint(0, 128)
            prefix = IPv6Network((rng.getrandbits(128) >> (128 - length) << (128 - length) if length else 0, length))
            sub = [rstatus(rng)] if rng.random() < 0.2 else []
            opts.append(pd.IAPrefixOption(prefix, rng.getrandbits(32), rng.getrandbits(32), sub))
    return pd.IAPDOption(rbytes(rng, 4, 4), rng.getrandbits(32), rng.getrandbits(32), opts)


def rdomain(rng):
    labels = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(1, 12)))
              for _ in range(rng.randint(1, 4))]
    return ".".join(labels)


def client_options(rng, cls):
    opts = [o.ClientIdOption(rduid(rng))]
    if cls not in (m.SolicitMessage, m.InformationRequestMessage, m.ConfirmMessage, m.RebindMessage):
        opts.append(o.ServerIdOption(rduid(rng)))
    if cls is not m.InformationRequestMessage:
        for _ in range(rng.randint(0, 2)):
            opts.append(ria_na(rng, cls is not m.SolicitMessage or rng.random() < 0.5))
        if rng.random() < 0.3:
            opts.append(ria_ta(rng, rng.random() < 0.5))
        for _ in range(rng.randint(0, 2)):
            opts.append(ria_pd(rng, rng.random() < 0.5))
    opts.append(o.ElapsedTimeOption(rng.getrandbits(16)))
    if rng.random() < 0.7:
        opts.append(o.OptionRequestOption(sorted(rng.sample([23, 24, 56, 82, 83, 17, 39, 64], rng.randint(1, 5)))))
    if cls is m.SolicitMessage and rng.random() < 0.3:
        opts.append(o.RapidCommitOption())
    if rng.random() < 0.3:
        opts.append(o.UserClassOption([rbytes(rng, 1, 10) for _ in range(rng.randint(1, 3))]))
    if rng.random() < 0.3:
        opts.append(o.VendorClassOption(rng.getrandbits(32), [rbytes(rng, 1, 10) for _ in range(rng.randint(1, 3))]))
    if rng.random() < 0.2:
        opts.append(o.VendorSpecificInformationOption(
            rng.getrandbits(32), [(rng.randint(1, 300), rbytes(rng, 0, 8)) for _ in range(rng.randint(1, 3))]))
    if cls is m.RenewMessage and rng.random() < 0.2:
        opts.append(o.ReconfigureAcceptOption())
    return opts


def server_options(rng, cls):
    opts = [o.ServerIdOption(rduid(rng)), o.ClientIdOption(rduid(rng))]
    for _ in range(rng.randint(0, 2)):
        opts.append(ria_na(rng, True))
    for _ in range(rng.randint(0, 2)):
        opts.append(ria_pd(rng, True))
    if rng.random() < 0.5:
        opts.append(rstatus(rng))
    if cls is m.AdvertiseMessage and rng.random() < 0.5:
        opts.append(o.PreferenceOption(rng.getrandbits(8)))
    if rng.random() < 0.3:
        opts.append(o.ServerUnicastOption(raddr(rng)))
    if cls is m.ReplyMessage and rng.random() < 0.2:
        opts.append(o.RapidCommitOption())
    if rng.random() < 0.6:
        opts.append(dns.RecursiveNameServersOption([raddr(rng) for _ in range(rng.randint(1, 3))]))
    if rng.random() < 0.5:
        opts.append(dns.DomainSearchListOption([rdomain(rng) for _ in range(rng.randint(1, 3))]))
    if rng.random() < 0.3:
        opts.append(ntp.NTPServersOption([ntp.NTPServerAddressSubOption(raddr(rng)),
                                          ntp.NTPMulticastAddressSubOption(IPv6Address("ff05::101")),
                                          ntp.NTPServerFQDNSubOption(rdomain(rng))][:rng.randint(1, 3)]))
    if rng.random() < 0.3:
        opts.append(sol_max_rt.SolMaxRTOption(rng.randint(60, 86400)))
    if rng.random() < 0.3:
        opts.append(sol_max_rt.InfMaxRTOption(rng.randint(60, 86400)))
    if rng.random() < 0.2:
        opts.append(o.AuthenticationOption(3, 1, 0, rbytes(rng, 8, 8), rbytes(rng, 0, 16)))
    if rng.random() < 0.2:
        opts.append(o.UnknownOption(rng.randint(200, 60000), rbytes(rng, 0, 20)))
    return opts


CLIENT = [m.SolicitMessage, m.RequestMessage, m.ConfirmMessage, m.RenewMessage, m.RebindMessage,
          m.ReleaseMessage, m.DeclineMessage, m.InformationRequestMessage]
SERVER = [m.AdvertiseMessage, m.ReplyMessage]


def txid(rng):
    return rbytes(rng, 3, 3)


def relay_wrap(rng, inner, cls, depth):
    """Wrap `inner` in `depth` relay messages of class cls, with interface-id/remote-id/subscriber-id sometimes."""
    for level in range(depth):
        opts = [o.RelayMessageOption(inner)]
        if rng.random() < 0.7:
            opts.insert(0, o.InterfaceIdOption(rbytes(rng, 1, 16)))
        if cls is m.RelayForwardMessage and rng.random() < 0.5:
            opts.append(remote_id.RemoteIdOption(rng.getrandbits(32), rbytes(rng, 1, 16)))
        if cls is m.RelayForwardMessage and rng.random() < 0.3:
            opts.append(subscriber_id.SubscriberIdOption(rbytes(rng, 1, 16)))
        if cls is m.RelayForwardMessage and rng.random() < 0.3:
            opts.append(LinkLayerIdOption(1, rbytes(rng, 6, 6)))
        inner = cls(hop_count=level, link_address=raddr(rng), peer_address=raddr(rng), options=opts)
    return inner


def transaction(rng):
    ccls = rng.choice(CLIENT)
    scls = m.AdvertiseMessage if ccls is m.SolicitMessage and rng.random() < 0.7 else m.ReplyMessage
    tid = txid(rng)
    msg_in = ccls(tid, client_options(rng, ccls))
    msg_out = scls(tid, server_options(rng, scls))
    if rng.random() < 0.4:
        depth = rng.randint(1, 3)
        msg_in = relay_wrap(rng, msg_in, m.RelayForwardMessage, depth)
        msg_out = relay_wrap(rng, msg_out, m.RelayReplyMessage, depth)
    roll = rng.random()
    if roll < 0.03:
        msg_in = None
        msg_out = m.ReconfigureMessage(b'\x00\x00\x00', [o.ServerIdOption(rduid(rng)), o.ClientIdOption(rduid(rng)),
                                                         o.ReconfigureMessageOption(rng.choice([5, 6, 11]))])
    elif roll < 0.06:
        msg_in = None
    elif roll < 0.12:
        msg_out = None
    return msg_in, msg_out


def server_name(rng):
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.12:
        # Exactly at the 255-byte limit, mixing 1-, 2- and 3-byte UTF-8 characters.
        name = ""
        while True:
            ch = rng.choice(["a", "ü", "東"])
            if len((name + ch).encode("utf-8")) > 255:
                break
            name += ch
        return name + "a" * (255 - len(name.encode("utf-8")))
    return ".".join(rng.choice(NAME_PARTS) + str(rng.randint(0, 99)) for _ in range(rng.randint(1, 5)))


def timestamp(rng):
    roll = rng.random()
    if roll < 0.05:
        return 0
    if roll < 0.1:
        return rng.randint(0, 2 ** 31)
    return 1_480_000_000 + rng.random() * 400_000_000


def frame(rng):
    if rng.random() < 0.03:
        return UnknownKafkaMessage(rng.choice([0, 2, 7, 255]), rbytes(rng, 0, 64))
    msg_in, msg_out = transaction(rng)
    ts_in = timestamp(rng)
    ts_out = ts_in + rng.random() / 100 if isinstance(ts_in, float) else ts_in
    return DHCPKafkaMessage(server_name(rng), ts_in, msg_in, ts_out, msg_out)


def main():
    import json
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    made = 0
    while made < count:
        message = frame(rng)
        try:
            data = bytes(message.save())
        except (ValueError, TypeError, struct.error):
            continue  # dhcpkit refused this combination: draw again
        print(json.dumps(describe_frame(message, data), ensure_ascii=False))
        made += 1


if __name__ == "__main__":
    main()
