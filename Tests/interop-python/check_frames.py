#!/usr/bin/env python3
"""Check frames encoded by DHCPKafka (Swift) with the original dhcpkit-kafka 1.0.0 decoder.

Reads JSON lines from stdin, each {"hex": frame, ...expected description...} in the schema of
describe.py. For each frame: KafkaMessage.parse must accept it, consume every byte, describe it
exactly as the Swift side expected, and save() it back to identical bytes.
Prints one JSON object: {"checked": N, "failures": [...]} and exits 0 (the Swift test asserts).
"""
import json
import sys
from ipaddress import IPv6Address

from dhcpkit_kafka.messages import KafkaMessage

from describe import describe_frame


def normalise(value):
    """Compare addresses by value, not by text form (Swift prints RFC 5952, Python its own)."""
    if isinstance(value, dict):
        return {k: (str(IPv6Address(v)) if k in ("link_address", "peer_address") else normalise(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def main():
    checked, failures = 0, []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        expected = json.loads(line)
        data = bytes.fromhex(expected["hex"])
        checked += 1
        try:
            length, message = KafkaMessage.parse(data)
            saved = bytes(message.save())
            actual = describe_frame(message, saved)
        except Exception as error:  # any failure of the original decoder is a finding
            failures.append({"frame": number, "error": f"{type(error).__name__}: {error}"})
            continue
        problems = []
        if length != len(data):
            problems.append(f"parse used {length} of {len(data)} bytes")
        if saved != data:
            problems.append("save() did not reproduce the bytes")
        if normalise(actual) != normalise(expected):
            problems.append("description differs")
        if problems:
            failures.append({"frame": number, "problems": problems, "expected": expected, "actual": actual})
    print(json.dumps({"checked": checked, "failures": failures[:20], "failure_count": len(failures)}))


if __name__ == "__main__":
    main()
