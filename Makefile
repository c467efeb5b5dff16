# The two commands a user needs: `make demo` (the seed scenario end to end) and `make test` (every test).
SWIFT ?= swift
BIN = .build/debug

.PHONY: deps build test demo format clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

# Integration tests start the real executables, so build them all before testing.
test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test

demo: build
	$(BIN)/callbacksim demo

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .callbacksim
