#!/usr/bin/env python3
"""Produce records described on stdin to a Kafka topic, each into the partition it names, with
confluent-kafka (its own librdkafka). For tests that need records placed where our producer
would not put them (as a forwarder would have with another partition count), or placed by
librdkafka's murmur2_random partitioner of another librdkafka version.

Usage:
  produce_records.py BOOTSTRAP TOPIC [PARTITIONER]

stdin: one JSON object per line: {"key": hex or null, "value": hex, "headers": [[name, hex], ...],
"partition": N (optional; without it PARTITIONER, default murmur2_random, chooses)}.
stdout: one line per record, in input order: the partition it was stored in.
Exit status 0 when every record was acknowledged, 1 otherwise (errors on stderr), 2 on bad usage.
"""
import json
import sys

from confluent_kafka import Producer


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic = argv[0], argv[1]
    partitioner = argv[2] if len(argv) == 3 else "murmur2_random"
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "partitioner": partitioner, "linger.ms": 5})
    lines = [json.loads(line) for line in sys.stdin if line.strip()]
    placed = [None] * len(lines)
    failures = []

    def report(index):
        def callback(error, message):
            if error is not None:
                failures.append(f"record {index}: {error}")
            else:
                placed[index] = message.partition()
        return callback

    for index, record in enumerate(lines):
        arguments = {
            "value": bytes.fromhex(record["value"]),
            "key": None if record.get("key") is None else bytes.fromhex(record["key"]),
            "headers": [(name, bytes.fromhex(value)) for name, value in record.get("headers", [])],
            "on_delivery": report(index),
        }
        if record.get("partition") is not None:
            arguments["partition"] = int(record["partition"])
        producer.produce(topic, **arguments)
        producer.poll(0)
    left = producer.flush(60)
    if left or failures or any(p is None for p in placed):
        print(f"{left} records unflushed; failures: {failures[:5]}", file=sys.stderr)
        return 1
    for partition in placed:
        print(partition)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
