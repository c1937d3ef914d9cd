"""
The DHCPKafkaMessage frame, byte-compatible with dhcpkit-kafka 1.0.0's ``DHCPKafkaMessage.save()``:

    u8 type=1 | u8 name-len | server-name | f64 timestamp-in | u16 len-in | message-in
              | f64 timestamp-out | u16 len-out | message-out            (big-endian)

A length of 0 means the message is absent. Written with ``struct`` instead of importing dhcpkit_kafka,
which would drag in pykafka; tests/test_frame.py proves equality with dhcpkit_kafka as the oracle.
"""
import struct

DHCP_MESSAGE = 1
MAX_SERVER_NAME = 255
MAX_MESSAGE = 0xFFFF

_HEAD = struct.Struct('!BB')
_PART = struct.Struct('!dH')


class FrameTooLarge(ValueError):
    """A DHCPv6 message does not fit the frame's 16-bit length field."""


def server_name_bytes(name: str) -> bytes:
    """UTF-8 encoding of a server name, or ValueError if it exceeds the one-byte length field."""
    encoded = name.encode('utf-8')
    if len(encoded) > MAX_SERVER_NAME:
        raise ValueError("server-name {!r} is {} bytes as UTF-8; a frame holds at most {}".format(
            name, len(encoded), MAX_SERVER_NAME))
    return encoded


def encode_frame(server_name: bytes, timestamp_in: float, message_in: bytes,
                 timestamp_out: float, message_out: bytes) -> bytes:
    """
    One frame from already encoded parts (``server_name`` from :func:`server_name_bytes`, messages as
    ``Message.save()`` returns them, ``b''`` for an absent message).
    """
    if len(message_in) > MAX_MESSAGE or len(message_out) > MAX_MESSAGE:
        raise FrameTooLarge("DHCPv6 message of {} bytes exceeds the frame's {} byte limit".format(
            max(len(message_in), len(message_out)), MAX_MESSAGE))
    return b''.join((_HEAD.pack(DHCP_MESSAGE, len(server_name)), server_name,
                     _PART.pack(timestamp_in, len(message_in)), message_in,
                     _PART.pack(timestamp_out, len(message_out)), message_out))
