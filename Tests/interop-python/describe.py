"""Describe dhcpkit-kafka frames as plain JSON for the Swift interop tests."""
import struct

from dhcpkit.ipv6.messages import ClientServerMessage, RelayServerMessage, UnknownMessage
from dhcpkit.ipv6.options import RelayMessageOption
from dhcpkit_kafka.messages import DHCPKafkaMessage


def describe_message(msg):
    if msg is None:
        return None
    out = {"type": msg.message_type, "hex": bytes(msg.save()).hex()}
    if isinstance(msg, ClientServerMessage):
        out["transaction_id"] = bytes(msg.transaction_id).hex()
    elif isinstance(msg, RelayServerMessage):
        out["hop_count"] = msg.hop_count
        out["link_address"] = str(msg.link_address)
        out["peer_address"] = str(msg.peer_address)
    elif isinstance(msg, UnknownMessage):
        out["data"] = bytes(msg.message_data).hex()
        return out
    out["options"] = [{"code": opt.option_type, "hex": bytes(opt.save()).hex()} for opt in msg.options]
    if isinstance(msg, RelayServerMessage):
        relayed = msg.get_option_of_type(RelayMessageOption)
        out["relayed_message"] = describe_message(relayed.relayed_message) if relayed else None
    return out


def describe_frame(message, data):
    if not isinstance(message, DHCPKafkaMessage):
        return {"hex": data.hex(), "kafka_type": message.message_type, "data": bytes(message.message_data).hex()}
    return {
        "hex": data.hex(),
        "kafka_type": 1,
        "server_name": message.server_name,
        "timestamp_in_bits": struct.pack("!d", message.timestamp_in).hex(),
        "timestamp_out_bits": struct.pack("!d", message.timestamp_out).hex(),
        "message_in": describe_message(message.message_in),
        "message_out": describe_message(message.message_out),
    }
