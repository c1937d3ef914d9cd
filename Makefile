# DHCPKafka developer entry points. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := .build/debug/dhcpkafka
# Sizes of the looking glass benchmarks in `make bench` (docs/benchmarks.md): records through the
# collector, and transactions stored before the query benchmark. The issue's figure is at 10 million
# (`make bench LG_TRANSACTIONS=10000000`: ~8 GB of disk and ~8 minutes of fill more).
LG_RECORDS ?= 100000
LG_TRANSACTIONS ?= 1000000

.PHONY: help run test build deps bench clean deb test-deb

help:
	@echo "make run    - install dependencies, build, and run the demo"
	@echo "make test   - install dependencies, build, and run the whole test suite"
	@echo "make bench  - release build and benchmarks (see docs/benchmarks.md)"
	@echo "make deb    - Debian packages and the DHCPKit wheel in dist/ (see deploy/debian/README.md)"

deps:
	.ci/bootstrap deps

build:
	.ci/bootstrap

run: build
	.ci/demo

test: build
	DHCPKAFKA_PYTHON=$(CURDIR)/.venv/bin/python swift test
	@# The suite must never replace the host's shared device nodes (a helper once turned /dev/null into a file).
	@for node in /dev/null /dev/zero /dev/full; do \
		[ -c $$node ] || { echo "make test: $$node is no longer a character device; a test replaced it" >&2; exit 1; }; \
	done
	.ci/demo --check >/dev/null
	$(MAKE) test-deb

bench: deps
	swift build -c release --product dhcpkafka
	swift build -c release --product dhcpkafka-bench
	.build/release/dhcpkafka-bench ingest --writers 4 --seconds 4
	.build/release/dhcpkafka-bench spool --frames 1000000
	.build/release/dhcpkafka-bench forward --frames 1000000
	.build/release/dhcpkafka-bench latency --rate 5000 --seconds 10
	.build/release/dhcpkafka-bench backlog --gigabytes 1
	.build/release/dhcpkafka-bench backlog --rate 5000 --seconds 120
	.build/release/dhcpkafka-bench end-to-end --frames 1000000 --writers 2 --rate 400000
	.build/release/dhcpkafka-bench writer
	.build/release/dhcpkafka-bench collector --records $(LG_RECORDS)
	.build/release/dhcpkafka-bench lookingglass-queries --transactions $(LG_TRANSACTIONS)
	$(MAKE) -C deploy/kea bench
	.venv/bin/python deploy/dhcpkit/bench/bench_handler.py --frames 20000

# Release build with the static Swift standard library, man pages, lintian-clean .debs.
deb: deps
	deploy/debian/build-debs

# The packages installed, upgraded and purged in a fresh Debian bookworm root (.ci/test-deb).
test-deb: deps
	.ci/test-deb

clean:
	rm -rf .build .venv var dist
