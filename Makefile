# Two set-up commands: `make run` and `make test`. Everything is installed from this repo's files.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# `make run` is the local demo: debug on unless the environment or .env says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-True}

.PHONY: run test bench loadtest install install-test install-load chromium wrk lint migrate seed clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $@

# the load test runs the fake Fynd server from tests/fakes/, which needs the test extras (pytest)
$(VENV)/.installed-load: $(VENV)/.installed-test pyproject.toml
	$(PIP) install --quiet -e '.[load]'
	touch $@

install: $(VENV)/.installed
install-load: $(VENV)/.installed-load
install-test: $(VENV)/.installed-test chromium

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's wrk drives `make bench` (an HTTP load generator in C: it leaves the CPUs to the server).
wrk:
	@if [ ! -x /usr/bin/wrk ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo --voucher-wallet

# the background worker (django-tasks' database queue) completes voucher orders by itself; it stops
# with the server
run: seed
	@$(RUN_ENV) $(PY) manage.py db_worker --interval 1 --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install-test
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: install wrk
	$(PY) benchmarks/run.py

# Locust against gunicorn on PostgreSQL and Redis (127.0.0.1:5432 user postgres, 127.0.0.1:6379):
# the local store, then the fake Fynd server at 80 ms. CI runs `make loadtest USERS=10 DURATION=10`.
USERS    ?= 100
DURATION ?= 60
loadtest: install-load
	$(PY) loadtest/run.py --users $(USERS) --duration $(DURATION)

lint: install-test
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) staticfiles test-output bench-output loadtest-output .pytest_cache
