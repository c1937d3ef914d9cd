# DHCPKafka developer entry points. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := .build/debug/dhcpkafka

.PHONY: help run test build deps clean

help:
	@echo "make run    - install dependencies, build, and run the demo"
	@echo "make test   - install dependencies, build, and run the whole test suite"

deps:
	.ci/bootstrap deps

build:
	.ci/bootstrap

run: build
	.ci/demo

test: build
	DHCPKAFKA_PYTHON=$(CURDIR)/.venv/bin/python swift test
	.ci/demo >/dev/null

clean:
	rm -rf .build .venv var
