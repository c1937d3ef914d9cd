#!/usr/bin/env python3
"""Read DHCPKafka records from a real Kafka-compatible broker and decode them with dhcpkit-kafka 1.0.0.

An independent end of the pipeline: confluent-kafka (its own bundled librdkafka, not the one the
Swift side links) consumes, and the original dhcpkit_kafka decoder judges every value.

Usage: consume_decode.py BOOTSTRAP TOPIC COUNT TIMEOUT [--settle SECONDS]

Reads every partition of TOPIC from the beginning (waiting for the topic to appear, up to TIMEOUT)
until COUNT records were read or TIMEOUT seconds passed; with --settle it then keeps reading for
SECONDS more, so duplicates beyond COUNT show up too. Offsets are never committed.

Prints one JSON object per record on stdout, in the order read (per partition: offset order):
  partition, offset, timestamp (ms), timestamp_type ("create" | "log_append" | "none"),
  key (hex, or null for a null key), value (hex, or null),
  headers (object name -> hex; a null header value is null; later duplicates win),
  header_list ([[name, hex], ...] in record order, duplicates kept),
  decoded: {"class": "DHCPKafkaMessage", "kafka_type": 1, "server_name", "timestamp_in",
            "timestamp_out", "message_in_type", "message_out_type" (DHCPv6 message types, null when
            absent), "frame": the full describe.py description}
        or {"class": "UnknownKafkaMessage", "kafka_type", "data" (hex)},
        or null when parsing failed,
  decode_error: null or "ExceptionName: text",
  roundtrip: true when KafkaMessage.parse consumed every byte and save() gave the same bytes back.
Finally prints a summary object on stderr: {"read", "wanted", "decode_failures", "librdkafka",
"confluent_kafka"}.

Exit status: 0 when at least COUNT records were read (check each line's decode_error/roundtrip),
1 when fewer arrived within TIMEOUT, 2 on bad usage or a consumer error.
"""
import json
import os
import struct
import sys
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from dhcpkit_kafka.messages import DHCPKafkaMessage, KafkaMessage, UnknownKafkaMessage

from describe import describe_frame

TIMESTAMP_TYPES = {
    confluent_kafka.TIMESTAMP_CREATE_TIME: "create",
    confluent_kafka.TIMESTAMP_LOG_APPEND_TIME: "log_append",
    confluent_kafka.TIMESTAMP_NOT_AVAILABLE: "none",
}


def decode(value):
    """Returns (decoded, decode_error, roundtrip) for one record value."""
    if value is None:
        return None, "null value", False
    try:
        length, message = KafkaMessage.parse(value)
        saved = bytes(message.save())
    except Exception as error:  # any failure of the original decoder is a finding
        return None, f"{type(error).__name__}: {error}", False
    roundtrip = length == len(value) and saved == value
    if isinstance(message, DHCPKafkaMessage):
        decoded = {
            "class": "DHCPKafkaMessage",
            "kafka_type": message.message_type,
            "server_name": message.server_name,
            "timestamp_in": message.timestamp_in,
            "timestamp_out": message.timestamp_out,
            "timestamp_in_bits": struct.pack("!d", message.timestamp_in).hex(),
            "timestamp_out_bits": struct.pack("!d", message.timestamp_out).hex(),
            "message_in_type": message.message_in.message_type if message.message_in else None,
            "message_out_type": message.message_out.message_type if message.message_out else None,
            "frame": describe_frame(message, saved),
        }
    elif isinstance(message, UnknownKafkaMessage):
        decoded = {
            "class": "UnknownKafkaMessage",
            "kafka_type": message.message_type,
            "data": bytes(message.message_data).hex(),
        }
    else:
        decoded = {"class": type(message).__name__, "kafka_type": message.message_type}
    return decoded, None, roundtrip


def hex_or_none(data):
    return None if data is None else bytes(data).hex()


def describe_record(record):
    timestamp_type, timestamp = record.timestamp()
    header_list = [[name, hex_or_none(value)] for name, value in (record.headers() or [])]
    decoded, error, roundtrip = decode(record.value())
    return {
        "partition": record.partition(),
        "offset": record.offset(),
        "timestamp": timestamp,
        "timestamp_type": TIMESTAMP_TYPES.get(timestamp_type, str(timestamp_type)),
        "key": hex_or_none(record.key()),
        "value": hex_or_none(record.value()),
        "headers": {name: value for name, value in header_list},
        "header_list": header_list,
        "decoded": decoded,
        "decode_error": error,
        "roundtrip": roundtrip,
    }


def wait_for_partitions(consumer, topic, deadline):
    """The topic's partition ids, once the broker knows the topic (it may be auto-created later)."""
    while True:
        try:
            metadata = consumer.list_topics(topic, timeout=max(0.5, min(2.0, deadline - time.monotonic())))
            info = metadata.topics.get(topic)
            if info is not None and info.error is None and info.partitions:
                return sorted(info.partitions)
        except KafkaException:
            pass
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def main(argv):
    args = list(argv)
    settle = 0.0
    if "--settle" in args:
        i = args.index("--settle")
        try:
            settle = float(args[i + 1])
        except (IndexError, ValueError):
            print(__doc__, file=sys.stderr)
            return 2
        del args[i:i + 2]
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic = args[0], args[1]
    try:
        count, timeout = int(args[2]), float(args[3])
    except ValueError:
        print(__doc__, file=sys.stderr)
        return 2

    deadline = time.monotonic() + timeout
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        # assign() needs a group id; nothing is committed, so any unique one will do.
        "group.id": f"dhcpkafka-consume-decode-{os.getpid()}-{time.time_ns()}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
    })
    read, failures = 0, 0
    status = 0
    try:
        partitions = wait_for_partitions(consumer, topic, deadline)
        if partitions is None:
            print(f"topic {topic!r} did not appear on {bootstrap} within {timeout} s", file=sys.stderr)
            status = 1
        else:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            settling = False
            while time.monotonic() < deadline:
                record = consumer.poll(min(0.2, max(0.0, deadline - time.monotonic())))
                if record is None:
                    pass
                elif record.error():
                    if record.error().code() != KafkaError._PARTITION_EOF:
                        print(f"consumer error: {record.error()}", file=sys.stderr)
                        if record.error().fatal():
                            status = 2
                            break
                else:
                    line = describe_record(record)
                    read += 1
                    failures += 0 if line["decode_error"] is None and line["roundtrip"] else 1
                    print(json.dumps(line), flush=True)
                if read >= count and not settling:
                    settling = True
                    deadline = time.monotonic() + settle
            if status == 0 and read < count:
                status = 1
    finally:
        consumer.close()
    print(json.dumps({
        "read": read, "wanted": count, "decode_failures": failures,
        "librdkafka": confluent_kafka.libversion()[0], "confluent_kafka": confluent_kafka.__version__,
    }), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
