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
# Links in emails and SMS (sent by the worker, which has no request) point where this serves.
RUN_ENV += WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://$(HOST):$(PORT)}

.PHONY: help install install-dev run migrate seed worker web test test-cluster test-upgrade test-e2e lint audit lock check-migrations ci bench clean

help:
	@echo "make run        set up (venv, install, migrate, demo data) and serve http://$(HOST):$(PORT) with a task worker"
	@echo "make test       set up and run the test suite"
	@echo "make test-e2e   browser tests (Debian's Chromium + Playwright)"
	@echo "make test-upgrade  the suite on Python 3.13 with the next Django (requirements-next.txt)"
	@echo "make test-cluster  nginx + two app servers + PostgreSQL + Redis: cache test and fault drill"
	@echo "make lint       ruff"
	@echo "make lock       requirements*.txt -> requirements*.lock (pinned, with hashes)"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# WeasyPrint's system libraries (Pango; HarfBuzz's subsetter, without which every report PDF renders
# about 15 times slower) and the fonts the report uses; installed with apt when missing.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Imaging (issue 14): Orthanc is the PACS (with DICOMweb); dcmtk's findscu/storescu are the tests' real clients.
DEBIAN_PACKAGES += orthanc orthanc-dicomweb dcmtk

# Installs come from the lock files (every package pinned, with its hashes); requirements*.txt list
# what we chose, `make lock` turns them into the locks.
$(VENV)/.installed: requirements.lock $(VENV)/bin/activate
	./bin/ensure-debian-packages $(DEBIAN_PACKAGES)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo "Serving http://$(HOST):$(PORT)/ with a django-q2 worker, Orthanc and the DICOM worklist server. Ctrl-C stops them."
	$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) PY=$(PY) ./bin/run-dev

# Tests run on TEST_WORKERS processes (pytest-xdist; `make test TEST_WORKERS=auto` uses every core,
# TEST_WORKERS=0 runs in one process). Each worker gets its own test database and tmp dirs, and the
# Orthanc/DICOM tests take free ports, so nothing collides. The browser suite stays serial.
TEST_WORKERS ?= 2
test: install-dev
	$(PY) -m pytest -m "not e2e and not cluster" -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Two app servers behind nginx on PostgreSQL and Redis (issue 20; docs/cluster.md); the fault drill.
# (Restored: the target went missing in a merge while .PHONY, the README and docs kept naming it.)
test-cluster: install-dev
	CLUSTER_REQUIRED=1 $(PY) -m pytest -m cluster tests/cluster -p no:cacheprovider $(PYTEST_ARGS)

# The upgrade job (issue 21.4): the SQLite suite on Python 3.13 (else 3.12) with the Django of
# requirements-next.txt over the rest of requirements-dev.lock, in a throwaway venv (bin/test-upgrade).
test-upgrade:
	TEST_WORKERS=$(TEST_WORKERS) PYTEST_ARGS="$(PYTEST_ARGS)" ./bin/test-upgrade

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

PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: install-dev
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt

check-migrations: install-dev
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .test-db.sqlite3* staticfiles var .pytest_cache
