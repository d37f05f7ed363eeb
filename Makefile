# Two commands for a fresh clone: `make demo` and `make test`. Everything installs into .venv with the
# committed constraints, so a clean install resolves the same versions every time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR ?= pagerduty
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# The declared floor, apache-airflow 3.3.0, in its own virtualenv pinned by constraints-floor.txt.
FLOOR_AIRFLOW := 3.3.0
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed
DISTRIBUTED_STAMP := $(VENV)/.installed-distributed

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: install test lint typecheck unit e2e e2e-distributed docs bench demo airflow sandbox smoke constraints clean
.PHONY: test-floor constraints-floor

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,docs]'
	touch $(STAMP)

install: $(STAMP)

# The benchmarks also need the alternatives they compare against (the bench extra).
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,docs,bench]'
	touch $(BENCH_STAMP)

# The distributed end-to-end test also needs the Celery provider and the PostgreSQL drivers.
$(DISTRIBUTED_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,docs,distributed]'
	touch $(DISTRIBUTED_STAMP)

lint: install
	$(BIN)/ruff check airflow_incident_provider tests example_dags scripts examples bench
	$(BIN)/ruff format --check airflow_incident_provider tests example_dags scripts examples bench

typecheck: install
	$(BIN)/mypy

# Every test but the end-to-end ones (make e2e, make e2e-distributed), which make test runs after these,
# spread over WORKERS processes (each its own temporary Airflow home; WORKERS=0 runs them in this one).
WORKERS ?= 2
unit: install
	$(BIN)/pytest -q -p no:cacheprovider -n $(WORKERS) -m "not e2e and not distributed"

# The documentation site, built strictly: any warning (a broken link, a bad reference) fails it.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .site

# Benchmarks (never part of make test): each prints ratios against a baseline measured in the same run.
# About 50 minutes: the rate-limit runs wait out their windows, bench.triggers (2,000 waits, shared and
# per-trigger) about 14 of them (docs/benchmarks.md).
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.overhead
	$(BIN)/python -m bench.overhead_profile
	$(BIN)/python -m bench.parse_cost
	$(BIN)/python -m bench.bulk
	$(BIN)/python -m bench.triggers
	$(BIN)/python -m bench.shared_budget

# The end-to-end tests: a real Airflow (make airflow's deployment, in a temporary home) against the sandbox,
# and its connection forms in headless Chromium (Debian's chromium and chromium-driver, apt-installed when missing).
e2e: install
	$(BIN)/pytest -q -p no:cacheprovider -m e2e

test: lint typecheck docs unit test-floor e2e e2e-distributed

# The same provider on the lowest Airflow it declares (pyproject: apache-airflow>=3.3): discovery,
# connection forms, hooks with their async twins, every operator, the sensor, the triggers, the notifier
# and the example DAGs, all on apache-airflow $(FLOOR_AIRFLOW) (docs/development.md names the cost).
# The whole suite there: make test-floor FLOOR_TESTS=tests
FLOOR_TESTS ?= tests/test_provider_info.py tests/test_masking.py tests/hooks tests/operators tests/sensors \
	tests/triggers tests/notifications tests/test_dag_run.py tests/test_examples.py

$(FLOOR_STAMP): pyproject.toml constraints-floor.txt
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(FLOOR_VENV)/bin/python -m pip install --quiet -c constraints-floor.txt -e '.[test]' \
		'apache-airflow==$(FLOOR_AIRFLOW)'
	touch $(FLOOR_STAMP)

test-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/pytest -q -p no:cacheprovider -n $(WORKERS) -m "not e2e" $(FLOOR_TESTS)

# A distributed Airflow (PostgreSQL, Redis, CeleryExecutor, two Celery workers, two triggerers) started by
# scripts/distributed.py, which apt-installs Debian's postgresql and redis-server when missing
# (docs/deployment.md).
e2e-distributed: $(DISTRIBUTED_STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -m distributed

demo: install
	$(BIN)/python scripts/demo.py --vendor $(VENDOR)

# A real local Airflow on 127.0.0.1 (home: AIRFLOW_HOME, .airflow) with the sandbox wired in; Ctrl-C stops it.
airflow: install
	$(BIN)/python scripts/deployment.py

sandbox: install
	$(BIN)/python -m airflow_incident_provider.sandbox --print-connections

# Against a REAL account (never in CI): see scripts/smoke.py for the environment variables.
smoke: install
	$(BIN)/python scripts/smoke.py --vendor $(VENDOR)

# Regenerate constraints.txt from a clean resolve of the project and its test extra.
constraints:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.constraints-venv/bin/python -m pip install --quiet '.[test,docs,bench]'
	.constraints-venv/bin/python -m pip freeze --exclude-editable | grep -v '^airflow-incident-provider' > constraints.txt
	rm -rf .constraints-venv

# Regenerate constraints-floor.txt: a clean resolve of the test extra with apache-airflow at the floor.
constraints-floor:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.constraints-venv/bin/python -m pip install --quiet 'apache-airflow==$(FLOOR_AIRFLOW)' '.[test]'
	.constraints-venv/bin/python -m pip freeze --exclude-editable | grep -v '^airflow-incident-provider' > constraints-floor.txt
	rm -rf .constraints-venv

clean:
	rm -rf $(VENV) $(FLOOR_VENV) .airflow .site .mypy_cache .ruff_cache .pytest_cache
