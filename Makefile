# The two commands a user needs: `make demo` (the seed scenario end to end) and `make test` (every test).
SWIFT ?= swift
BIN = .build/debug

.PHONY: deps build test demo experiments sweep simulate format clean aws-models image test-containers

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

# Integration tests start the real executables, so build them all before testing; then the real AWS clients
# (boto3, the AWS CLI) against the gateway, the console in headless Chromium, the checks of docker-compose.yml and
# deploy/kubernetes, and the containers where they can run.
test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(MAKE) --no-print-directory simulate SIM_SEEDS=1-300
	@scripts/ensure-test-clients.sh
	node --test Tests/ConsoleTests/
	CALLBACKSIM_LEGACY_SQS_MODEL=$(CURDIR)/.build/legacy-sqs-model python3 -m pytest -q Tests/AWSClientTests Tests/ConsoleTests Tests/DeployTests
	@if scripts/can-run-containers.sh; then scripts/test-containers.sh; fi

# callbacksim:local, from the release build, with no registry (scripts/build-image.sh).
image: deps
	@scripts/build-image.sh

# The compose topology in real containers (Docker, or podman set up as root).
test-containers: deps
	@scripts/test-containers.sh

demo: build
	$(BIN)/callbacksim demo

# Drawn experiments (workload and fault schedule from each seed) on the deterministic simulation of the topology;
# a failing seed's trace goes to reports/simulate/ and replays with `callbacksim simulate --seeds N`. `make test`
# sweeps the first 300.
SIM_SEEDS ?= 1-3000
simulate: build
	$(BIN)/callbacksim simulate --seeds $(SIM_SEEDS) --jobs 2 --trace reports/simulate

# Every shipped experiment at full size; reports in reports/NAME-SEED/.
SEED ?= 1
experiments: build
	@status=0; for file in experiments/*.yaml; do \
		$(BIN)/callbacksim experiment run $$file --seed $(SEED) || status=1; \
	done; exit $$status

# Every shipped experiment over SEEDS (reduced size: at most 20 executions a seed); failing seeds' reports in
# reports/sweep-NAME/seed-N/. JOBS topologies at once (network experiments run one at a time).
SEEDS ?= 1-20
JOBS ?= 1
sweep: build
	@status=0; for file in experiments/*.yaml; do \
		$(BIN)/callbacksim experiment sweep $$file --seeds $(SEEDS) --jobs $(JOBS) --keep-going || status=1; \
	done; exit $$status

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .callbacksim

# The parts of botocore's AWS models the gateway reads (needs boto3 and PyPI).
aws-models:
	python3 scripts/generate-aws-models.py
