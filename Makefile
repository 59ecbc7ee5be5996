# The README's two commands: `make run` opens the workbench on the built-in demo, `make test` runs the tests.
# Both install missing system packages first (scripts/install-deps.sh).
SWIFT ?= swift
RELEASE = .build/release

.PHONY: run test deps build bench-engine

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product dpo

run: build
	$(RELEASE)/dpo

test: deps
	$(SWIFT) test --disable-swift-testing

bench-engine: build
	$(RELEASE)/dpo bench engine
