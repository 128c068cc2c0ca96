# Two commands: `make run` (set up and serve the demo) and `make test` (set up and test).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs with DEBUG on, console email/SMS, and without the staff MFA requirement
# (production keeps it on; see README). Override any of these on the command line.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1} DJANGO_STAFF_MFA_REQUIRED=$${DJANGO_STAFF_MFA_REQUIRED:-0}

.PHONY: help install install-dev run migrate seed worker web test test-e2e lint audit check-migrations ci bench clean

help:
	@echo "make run        set up (venv, install, migrate, demo data) and serve http://$(HOST):$(PORT) with a task worker"
	@echo "make test       set up and run the test suite"
	@echo "make test-e2e   browser tests (Debian's Chromium + Playwright)"
	@echo "make lint       ruff"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# WeasyPrint's system libraries (Pango; HarfBuzz's subsetter, without which every report PDF renders
# about 15 times slower) and the fonts the report uses; installed with apt when missing.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	./bin/ensure-debian-packages $(DEBIAN_PACKAGES)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo "Serving http://$(HOST):$(PORT)/ with a django-q2 worker. Ctrl-C stops both."
	$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) PY=$(PY) ./bin/run-dev

test: install-dev
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test-e2e: install-dev node_modules/.installed
	./bin/ensure-chromium
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

audit: install-dev
	PY=$(PY) ./bin/audit-deps

check-migrations: install-dev
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .test-db.sqlite3* staticfiles var .pytest_cache
