# The two commands a user needs: `make demo` (the seed scenario end to end) and `make test` (every test).
SWIFT ?= swift
BIN = .build/debug

.PHONY: deps build test demo experiments format clean

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

# Every shipped experiment at full size; reports in reports/NAME-SEED/.
SEED ?= 1
experiments: build
	@status=0; for file in experiments/*.yaml; do \
		$(BIN)/callbacksim experiment run $$file --seed $(SEED) || status=1; \
	done; exit $$status

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .callbacksim
