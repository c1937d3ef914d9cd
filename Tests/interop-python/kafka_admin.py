#!/usr/bin/env python3
"""Small Kafka admin actions with confluent-kafka, for tests against a real broker (tansu).

Usage:
  kafka_admin.py create-topic BOOTSTRAP TOPIC [PARTITIONS]   create a topic (replication factor 1);
                                                             an existing topic is fine
  kafka_admin.py metadata BOOTSTRAP                          print brokers and topics as JSON

Exit status 0 on success, 1 on a broker error (printed on stderr), 2 on bad usage.
"""
import json
import sys

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 15


def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1)], operation_timeout=TIMEOUT)
    try:
        futures[topic].result(TIMEOUT)
    except KafkaException as error:
        if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            print(f"cannot create topic {topic!r}: {error}", file=sys.stderr)
            return 1
    metadata = admin.list_topics(topic, timeout=TIMEOUT)
    info = metadata.topics.get(topic)
    if info is None or info.error is not None:
        print(f"topic {topic!r} not in metadata after creation: {info and info.error}", file=sys.stderr)
        return 1
    print(json.dumps({"topic": topic, "partitions": sorted(info.partitions)}))
    return 0


def metadata(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    md = admin.list_topics(timeout=TIMEOUT)
    print(json.dumps({
        "cluster_id": md.cluster_id,
        "brokers": {str(b.id): f"{b.host}:{b.port}" for b in md.brokers.values()},
        "topics": {name: sorted(t.partitions) for name, t in md.topics.items()},
    }))
    return 0


def main(argv):
    try:
        if argv[0] == "create-topic" and len(argv) in (3, 4):
            return create_topic(argv[1], argv[2], int(argv[3]) if len(argv) == 4 else 1)
        if argv[0] == "metadata" and len(argv) == 2:
            return metadata(argv[1])
    except (IndexError, ValueError):
        pass
    except KafkaException as error:
        print(f"broker error: {error}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
