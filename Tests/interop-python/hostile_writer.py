#!/usr/bin/env python3
"""A misbehaving DHCP server for the daemon tests: interleaves valid frames with broken datagrams.

Usage: hostile_writer.py SOCKET FRAMES_HEX SEED COUNT
Sends COUNT datagrams to the daemon's Unix datagram socket (blocking sends, so nothing is lost on
this side) and prints one JSON object: how many of each kind it sent. Each broken kind maps to one
rejection reason of the daemon, except `random`, which may hit several.
"""
import json
import random
import socket
import struct
import sys

SO_SNDBUFFORCE = 32


def frames_from(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            data = bytes.fromhex(line)
            if data[0] == 1:
                out.append(data)
    return out


def fields(frame):
    """Offsets in a type-1 frame: (name_len, ts_in_at, len_in_at, msg_in_at, len_in)."""
    name_len = frame[1]
    ts_in = 2 + name_len
    len_in_at = ts_in + 8
    (len_in,) = struct.unpack("!H", frame[len_in_at:len_in_at + 2])
    return name_len, ts_in, len_in_at, len_in_at + 2, len_in


def broken(kind, frame, rng):
    name_len, ts_in, len_in_at, msg_in_at, len_in = fields(frame)
    if kind == "empty":
        return b""
    if kind == "truncated":  # cut inside timestamp-in
        return frame[:ts_in + 4]
    if kind == "length-past-end":  # len-in promises more than is left
        return frame[:msg_in_at + max(len_in // 2, 1)] if len_in else frame[:len_in_at] + b"\xff\xff"
    if kind == "invalid-utf8":
        return bytes([1, 2, 0xFF, 0xFE]) + frame[2 + name_len:]
    if kind == "trailing-bytes":
        return frame + b"\x00\x01"
    if kind == "invalid-dhcpv6":  # message-in of 3 bytes: too short for any DHCPv6 message
        return frame[:len_in_at] + b"\x00\x03\x01\x02\x03" + frame[msg_in_at + len_in:]
    if kind == "unknown-type":
        return bytes([rng.randint(2, 255)]) + frame[1:]
    if kind == "oversize":
        return b"\x01" + bytes(150_000)
    if kind == "random":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 700)))
    raise ValueError(kind)


KINDS = ["valid"] * 6 + ["empty", "truncated", "length-past-end", "invalid-utf8", "trailing-bytes",
                         "invalid-dhcpv6", "unknown-type", "oversize", "random"]


def main():
    path, frames_hex, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    frames = frames_from(frames_hex)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20)
    except PermissionError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.connect(path)
    sent = {}
    for _ in range(count):
        kind = rng.choice(KINDS)
        frame = rng.choice(frames)
        data = frame if kind == "valid" else broken(kind, frame, rng)
        sock.send(data)
        sent[kind] = sent.get(kind, 0) + 1
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
