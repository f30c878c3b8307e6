# OnGPT Accounts. Everything installs into the project: .venv, node_modules, and caches in .cache.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
CDK := node_modules/.bin/cdk

export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export npm_config_cache := $(CURDIR)/.cache/npm
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export CDK_HOME := $(CURDIR)/.cache/cdk
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
# Python caches the bytecode of each module it imports (in its package's __pycache__, inside the
# project or .venv), so the suite's many processes compile moto and the SDK once, not each.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help chromium install lint style types compliance test unit integration e2e infra fuzz chaos scale synth run bench cost-model diff deploy clean

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# --no-compile: compiling every module of site-packages costs a minute of CPU (aws-cdk-lib alone is
# 180 MB of Python); Python compiles, once, only the modules that are imported.
$(BIN)/.installed: requirements.txt requirements-dev.txt layers/core/requirements.txt layers/core/pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The privacy centre: its own pinned packages (web/package-lock.json), bundled into web/dist.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.installed web/build.mjs $(wildcard web/src/*)
	cd web && npm run --silent build

# The three installs are independent: on a fresh clone they run at once; up to date, none runs.
install:  ## create .venv and node_modules, install pinned packages, build the page
	@$(MAKE) --no-print-directory -j3 $(BIN)/.installed node_modules/.installed web/node_modules/.installed
	@$(MAKE) --no-print-directory web/dist/index.html

lint: style types  ## ruff, the import layers and mypy

style: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

types: install
	$(BIN)/mypy

compliance: install  ## which tests prove each policy clause; fails if a clause has none
	$(BIN)/pytest --collect-only -qq --clauses

# The browser tests drive Debian's chromium; its absence is an error, never a skipped test.
chromium:
	@command -v $${CHROMIUM:-chromium} >/dev/null || { echo "Chromium is missing: the browser tests need Debian's chromium package (apt-get install chromium; see README, Prerequisites)." >&2; exit 1; }

# mypy (under a minute cold: it follows only the CDK modules we use) runs beside the suite, whose
# two workers leave a core idle while they wait on the synthesis and the local runtime. Each test
# module runs whole on one worker (--dist loadfile): a module builds its world once (a moto world,
# a customer of its own), where a module split between workers built it on each. The suite also
# checks the traceability table (--clauses: each worker's collection is reported once, after the
# tests). make fails if either fails.
test: style chromium  ## lint, then the whole suite (synth, nag packs, cfn-lint, browser, traceability) beside mypy
	$(BIN)/mypy > .mypy.log 2>&1 & types=$$!; \
	$(BIN)/pytest -n 2 --dist loadfile --clauses; tests=$$?; \
	wait $$types; typed=$$?; cat .mypy.log; rm -f .mypy.log; \
	exit $$(( tests != 0 || typed != 0 ))

# The tiers of the suite, one at a time (make test runs them all). Each integration module builds
# its own moto world, so a module stays on one worker; e2e and infra share the session's synthesis.
unit: install  ## unit tests only: no synthesis, no moto, seconds
	$(BIN)/pytest tests/unit

integration: install  ## the functions in-process over moto (a world per module)
	$(BIN)/pytest tests/integration -n 2 --dist loadfile

e2e: install chromium  ## signed requests through the local runtime (synth, moto server, local gateway), the page in Chromium
	$(BIN)/pytest tests/e2e -n 2 --dist worksteal

infra: install  ## the synthesized template: compliance packs, guardrails, resources
	$(BIN)/pytest tests/infra

fuzz: install  ## schemathesis with fresh random examples, FUZZ_EXAMPLES per operation and mode
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/pytest tests/e2e/test_fuzz.py -p no:xdist

# The chaos tier's long run: make test runs test_chaos.py's short round with the rest of e2e;
# the fault table's answers lost (every row, every call that changes something) and the erasure's
# faults checked against every table (the fault table's erasure rows cover those calls in make test)
# run here.
chaos: install  ## the journeys under chaos mode, many clients at once, and every answer lost; figures into docs/benchmarks.md
	CHAOS=1 $(BIN)/pytest tests/integration/test_fault_table.py tests/integration/test_erasure.py -m chaos -n 2 -q
	CHAOS_CLIENTS=$${CHAOS_CLIENTS:-8} CHAOS_ROUNDS=$${CHAOS_ROUNDS:-3} CHAOS_EVERY_JOURNEY=1 \
		CHAOS_REPORT=docs/benchmarks.md \
		$(BIN)/pytest tests/e2e/test_chaos.py -p no:xdist -s -q

# The scale tier: the announcement test at 10,000 customers, then every fan-out page, list page
# and job invocation measured at each of SCALE_SIZES customers (one size at a time needs up to
# GBs of memory at 100,000: moto keeps every item in this process).
scale: synth  ## per-invocation figures at 1k, 10k and 100k customers (SCALE_SIZES) into docs/benchmarks.md; fails if not flat
	SCALE=1 $(BIN)/pytest tests/integration/test_announcement_scale.py -m scale -p no:xdist -q
	$(BIN)/python -m tests.bench.scale

synth: install  ## synthesize into cdk.out (compliance gates on), then cfn-lint it
	$(CDK) synth --quiet
	$(BIN)/cfn-lint

run: synth  ## serve the whole API and the privacy centre locally (moto + local API Gateway); PORT, AWS_PORT, WEB_PORT
	$(BIN)/python -m local.server

bench: synth  ## benchmarks, printed as ratios against baselines measured in the same run
	$(BIN)/python -m tests.bench

cost-model: synth  ## write docs/cost.md's load model section (throttles, quotas) from the template
	$(BIN)/python -m infra.load_model cdk.out

diff: synth  ## compare every stack with what is deployed (needs AWS credentials)
	$(CDK) diff

# --all: every stack, each after those it imports from (README, Deploying).
deploy: synth  ## deploy the stacks in order, then publish the privacy centre (AWS credentials, bootstrapped account, python3.14 or Docker)
	$(CDK) deploy --all -c require_layer_bytecode=true
	$(BIN)/python -m infra.publish_site

clean:  ## remove build output (keeps .venv and caches)
	rm -rf cdk.out .build .pytest_cache .mypy_cache .ruff_cache web/dist
