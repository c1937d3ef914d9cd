#!/usr/bin/env bash
# The Kea hook's send-path benchmark: against sockets of its own, then against a real
# `dhcpkafka run` (healthy, SIGSTOPped = stalled, stopped). JSON lines on stdout.
#   deploy/kea/bench/run.sh [path/to/dhcpkafka]   (default: .build/release/dhcpkafka, else .build/debug)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
make -s -C "$here/.." bench/hook_bench
"$here/hook_bench"

daemon=${1:-$root/.build/release/dhcpkafka}
[ -x "$daemon" ] || daemon=$root/.build/debug/dhcpkafka
[ -x "$daemon" ] || { echo "no dhcpkafka binary: swift build -c release --product dhcpkafka" >&2; exit 1; }
work=$(mktemp -d /tmp/hook-bench-daemon.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# No broker is needed to measure ingest: frames wait in the spool while forwarding retries.
"$daemon" run --socket "$work/ingest.sock" --spool "$work/spool" --broker 127.0.0.1:9 >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$work/ingest.sock" ] && break; sleep 0.1; done
[ -S "$work/ingest.sock" ] || { cat "$work/daemon.log" >&2; exit 1; }
"$here/hook_bench" --socket "$work/ingest.sock" --label dhcpkafka-run-healthy --rate 50000 --frames 200000
kill -STOP "$pid"
"$here/hook_bench" --socket "$work/ingest.sock" --label dhcpkafka-run-stalled --frames 200000
kill -CONT "$pid"
kill -TERM "$pid"
wait "$pid" || true
pid=
"$here/hook_bench" --socket "$work/ingest.sock" --label dhcpkafka-run-stopped --frames 200000
