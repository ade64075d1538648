# The two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
LOCK := requirements.lock

.PHONY: run test lint bench tools compose-check rasa conformance-rasa clean lock audit

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/pip install --quiet --constraint $(LOCK) -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/pip install --quiet --constraint $(LOCK) -e '.[dev]'
	touch $@ $(RUN_STAMP)

## lock: resolve pyproject.toml's dependencies afresh (newest allowed versions) into requirements.lock
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip && .lock-venv/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' $(LOCK); .lock-venv/bin/pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK) && rm -rf .lock-venv

## audit: known vulnerabilities of the locked versions (pip-audit asks the PyPI JSON API, so it needs pypi.org)
audit: $(DEV_STAMP)
	$(BIN)/pip-audit --requirement $(LOCK) --no-deps --disable-pip --progress-spinner off --strict

## run: install, migrate the SQLite database under ./var/ and serve on 127.0.0.1:8080
run: $(RUN_STAMP)
	mkdir -p var
	$(BIN)/intake db upgrade
	$(BIN)/intake serve

## tools: system packages the test run needs (Debian): docker-compose to check the deployment file,
## Chromium and CJK fonts for the browser tests (Playwright drives /usr/bin/chromium; it downloads no browser)
tools:
	@missing=""; command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

## rasa: Rasa 3.6 in a Python 3.10 environment and a trained model, both cached under ~/.cache/intake
rasa: $(DEV_STAMP)
	$(BIN)/intake rasa env
	$(BIN)/intake rasa train

## lint: ruff, mypy on the service packages, the dependency rule
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy intake_core config channels dialogue handoff
	$(BIN)/lint-imports

## compose-check: the deployment file is valid
compose-check: tools
	POSTGRES_PASSWORD=placeholder docker-compose -f docker-compose.yml config --quiet

## test: everything, from a new machine (the Rasa environment and model are built once and cached)
test: $(DEV_STAMP) tools lint compose-check rasa
	$(BIN)/pytest -q -p no:cacheprovider tests/unit tests/integration tests/e2e
	$(BIN)/pytest -q -p no:cacheprovider -m chaos tests/chaos  # last: it restarts PostgreSQL and Redis

## conformance-rasa: the scripted conversations against a real Rasa server and action server
conformance-rasa: rasa
	$(BIN)/pytest -q -p no:cacheprovider -m rasa tests/integration/test_dialogue_conformance.py

## bench: throughput ratios measured side by side
bench: $(DEV_STAMP) rasa
	$(BIN)/python -m tests.benchmarks.bench_submit
	$(BIN)/python -m tests.benchmarks.bench_queue
	$(BIN)/python -m tests.benchmarks.bench_telegram
	$(BIN)/python -m tests.benchmarks.bench_sms
	$(BIN)/python -m tests.benchmarks.bench_mail
	$(BIN)/python -m tests.benchmarks.bench_dialogue
	$(BIN)/python -m tests.benchmarks.bench_latency
	$(BIN)/python -m tests.benchmarks.bench_memory
	$(BIN)/python -m tests.benchmarks.table

clean:
	rm -rf $(VENV) var

## chaos: fault injection under a mixed-channel load (kill -9, Redis restart, PostgreSQL restart); about 5 minutes
.PHONY: chaos
chaos: $(DEV_STAMP)
	$(BIN)/python -m tests.chaos.run
