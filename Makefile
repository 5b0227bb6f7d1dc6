# The two commands a newcomer needs: `make run` (a trial node on SQLite) and `make test`
# (every tier: fast, real MariaDB, real cluster). Everything else here serves those two.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-requirements
DEV_STAMP := $(VENV)/.dev-requirements
PYTEST := $(PY) -m pytest

.PHONY: run test test-fast test-database test-cluster test-galera cluster cluster-down fuzz bench audit lint format \
	check-migrations check-rules schema clean

run: $(RUN_STAMP)
	scripts/run-local

test: system-deps-test $(DEV_STAMP) lint check-migrations check-rules test-fast test-database \
	test-cluster test-galera

test-fast: $(DEV_STAMP)
	$(PYTEST) tests/fast

test-database: $(DEV_STAMP)
	$(PYTEST) tests/database

test-cluster: $(DEV_STAMP)
	$(PYTEST) tests/cluster

# The same nodes and HAProxy over a three-member MariaDB Galera cluster (docs/GALERA.md).
test-galera: $(DEV_STAMP)
	$(PYTEST) tests/galera

# The two-node topology on loopback: MariaDB A/B, nodes on :8081/:8082, HAProxy on :8080.
# The Galera one (three members, nodes on :8181-:8183, HAProxy on :8180):
# `deploy/cluster up --engine galera`.
cluster: system-deps-test $(DEV_STAMP)
	deploy/cluster up

cluster-down:
	deploy/cluster down

# Hostile input at scale: more than 10,000 cases through valid envelopes (tests/fast/fuzz).
fuzz: $(DEV_STAMP)
	PLATFORM_FUZZ=1 $(PY) -m pytest tests/fast/fuzz -q

# The gateway against bare Django and DRF token auth, login, propagation, lag, failover;
# results in bench/results/ (bench/results/latest.md), within 10 minutes.
bench: system-deps-test $(DEV_STAMP)
	$(PY) -m bench.run

# Known vulnerabilities in the pinned requirements (pip-audit); CI runs it too.
audit:
	scripts/audit-deps

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The Prometheus alert rules: valid, and their unit tests pass (tests/fast runs both too).
check-rules:
	cd deploy/prometheus && promtool check rules platform.rules.yml && \
		promtool test rules platform.rules.test.yml

# The decrypted API's OpenAPI schema, committed; tests/fast/test_api_schema.py fails when stale.
schema: $(DEV_STAMP)
	PLATFORM_ENV_FILE= DEBUG=true $(PY) manage.py spectacular --file docs/openapi.yaml

check-migrations: $(DEV_STAMP)
	PLATFORM_ENV_FILE= DEBUG=true $(PY) manage.py makemigrations --check --dry-run

system-deps-run:
	scripts/system-deps run

system-deps-test:
	scripts/system-deps test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	scripts/system-deps run
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	scripts/system-deps run
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
