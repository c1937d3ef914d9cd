#!/usr/bin/env python3
"""
The original collector (PyPI dhcpkit-looking-glass 0.9.2, `manage.py process_kafka`) on the records
`dhcpkafka-bench collector` stores: the fixture frames of Fixtures/frames/all.hex, cycled, N records.

Its Kafka side cannot run here: `process_kafka` uses pykafka's balanced consumer, which needs
ZooKeeper (kazoo times out connecting to 127.0.0.1:2181; Kafka brokers of the mock cluster or tansu
do not provide it). So this feeds the same record values straight to its `Command.process_message`
(the decode with dhcpkit, the Django ORM writes to SQLite, the per-client retention), which is where
its time goes; the Kafka consumer is left out, in its favour.

Runs in a throwaway venv (see docs/benchmarks.md for the exact pip line):
    python3 -m venv /tmp/lg-orig-venv
    /tmp/lg-orig-venv/bin/pip install dhcpkit-looking-glass==0.9.2 'Django>=3.2,<3.3' dhcpkit==0.9.5 dhcpkit-kafka==0.9.5
    /tmp/lg-orig-venv/bin/python .ci/bench-original-lookingglass.py --records 5000
"""
import argparse
import os
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--records", type=int, default=5000)
parser.add_argument("--frames", default="Fixtures/frames/all.hex")
args = parser.parse_args()
directory = tempfile.mkdtemp(prefix="lg-original-")

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="bench", USE_TZ=True,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "dhcpkit_looking_glass"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(directory, "orig.sqlite3")}},
    LOGGING_CONFIG=None)

# The only change to the original: 0.9.2 (2016, Django 1.9/1.10) declares ForeignKey without
# on_delete, which Django >= 2.0 requires, and Django 1.x does not run on Python 3.11. CASCADE is
# what its own migrations (0004, 0006) declare.
import django.db.models
_ForeignKey = django.db.models.ForeignKey


class CompatForeignKey(_ForeignKey):
    def __init__(self, to, on_delete=django.db.models.CASCADE, *rest, **kwargs):
        super().__init__(to, on_delete, *rest, **kwargs)


django.db.models.ForeignKey = CompatForeignKey
django.setup()

from django.core.management import call_command
from dhcpkit_kafka.messages import KafkaMessage, DHCPKafkaMessage
from dhcpkit_looking_glass.management.commands.process_kafka import Command
from dhcpkit_looking_glass.models import Transaction

call_command("migrate", verbosity=0)
templates = [bytes.fromhex(line.strip()) for line in open(args.frames)
             if line.strip() and not line.startswith("#")]
templates = [t for t in templates if t[0] == 1]
command = Command()
errors = {}
start = time.monotonic()
for n in range(args.records):
    value = templates[n % len(templates)]
    try:
        _, message = KafkaMessage.parse(value)
        if isinstance(message, DHCPKafkaMessage):
            command.process_message(message)
    except Exception as error:
        # process_kafka logs and skips these: its decode assumes a relay around every message.
        reason = "{}: {}".format(type(error).__name__, error)
        errors[reason] = errors.get(reason, 0) + 1
seconds = time.monotonic() - start
print("original collector (process_message): {} records in {:.1f} s = {:.0f} records/s; {} raised; "
      "{} transactions kept (update_or_create by client, server, request time)".format(
          args.records, seconds, args.records / seconds, sum(errors.values()), Transaction.objects.count()))
for reason, count in sorted(errors.items(), key=lambda item: -item[1]):
    print("  raised {} times: {}".format(count, reason))
