# Two commands on a fresh machine: `make run` (serve the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium

.PHONY: run install install-dev test test-postgres lint typecheck imports check format chromium migrate demo screenshots bench eval-persons eval-speakers eval-boilerplate eval-inline eval-metadata load fuzz serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput -v0

# Loads the bundled Wikinews corpus only into an empty database, then applies any index
# updates a crash left pending; both are no-ops on the second run.
demo: migrate
	$(PY) manage.py search_groups -v0
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py search_sync

run: demo
	@echo ""
	@echo "  News archive search: http://127.0.0.1:$(PORT)/"
	@echo "  Admin (curation):    http://127.0.0.1:$(PORT)/admin/  (create a user: $(PY) manage.py createsuperuser)"
	@echo ""
	$(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

# Debian's Chromium for the browser tests (`playwright install` cannot download browsers here).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Chromium is missing and installing it needs root: run 'sudo apt-get install chromium'." >&2; exit 1; fi; \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || { echo "Could not install chromium with apt-get; the browser tests need it." >&2; exit 1; }; \
	fi

# The whole suite on SQLite, then again on a real PostgreSQL server started on loopback.
test: install-dev chromium
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest
	$(MAKE) --no-print-directory test-postgres

# Tests marked own_instance (faults, load) start their own SQLite instance whatever DATABASE_URL says:
# they ran in the first half, so the PostgreSQL half leaves them out.
test-postgres: install-dev chromium
	DATABASE_URL=$$(bash tests/tools/postgres.sh) CHROMIUM=$(CHROMIUM) $(PY) -m pytest -m "not own_instance"

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs over search/ and newsapp/ (pyproject.toml [tool.mypy]).
typecheck: install-dev
	$(VENV)/bin/mypy

# The architecture's import contract (pyproject.toml [tool.importlinter], docs/ARCHITECTURE.md).
imports: install-dev
	$(VENV)/bin/lint-imports

# What CI checks besides the tests.
check: lint typecheck imports

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Screenshots of the main states on the demo corpus, into docs/screenshots/.
screenshots: install-dev chromium
	CHROMIUM=$(CHROMIUM) $(PY) tests/tools/screenshots.py

# Benchmarks on AllSides paragraphs (../shared, research use only): 100k by default, BENCH_N=0 for all.
BENCH_N ?= 100000
bench: install-dev
	$(PY) tests/tools/bench.py --paragraphs $(if $(filter 0,$(BENCH_N)),100000000,$(BENCH_N)) --processes 2

# Persons (../shared, research use only): mention P/R/F1 on CoNLL-2003 train and dev; after a real ingest
# of two AllSides samples, duplicates and non-persons among persons with 3+ mentions (hand labels in tests/data).
eval-persons: install
	$(PY) tests/tools/persons_eval.py --list
	$(PY) tests/tools/main_persons.py

# Who speaks: precision/recall/F1 on the labelled samples (docs/SPEAKERS.md; articles read from ../shared).
eval-speakers: install
	$(PY) tests/tools/speakers_eval.py

# Boilerplate recall/precision on the labelled AllSides samples (labels in tests/data, texts in ../shared).
eval-boilerplate: install
	$(PY) tests/tools/boilerplate_eval.py

# Inline furniture over the AllSides corpus, and the labelled sample of its cuts (../shared, research use only).
eval-inline: install
	$(PY) tests/tools/inline_eval.py

# Publication dates and titles of trafilatura's 45 annotated English news pages (../shared, research use only).
eval-metadata: install
	$(PY) tests/tools/metadata_eval.py

# 20 searchers against gunicorn while the demo corpus is ingested into a loaded bench instance.
LOAD_VAR ?= var/bench-100000
load: install-dev
	$(PY) tests/tools/load.py --var $(LOAD_VAR) --ingest data/demo/wikinews.jsonl --searchers 20 --seconds 60 --report

# Hostile requests (random and hostile values for every parameter of every endpoint) against gunicorn
# in production settings, on a bench instance; figures into docs/BENCHMARKS.md.
FUZZ_VAR ?= var/bench-100000
fuzz: install-dev
	$(PY) tests/tools/fuzz.py --var $(FUZZ_VAR) --requests 10000 --clients 4 --seed 1 --bound 3 --report

# Production-style serving: gunicorn, static files by whitenoise, settings from the environment.
# Needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; DJANGO_TLS=0 when there is no HTTPS in front.
WORKERS ?= 2
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "Set DJANGO_SECRET_KEY (and DJANGO_ALLOWED_HOSTS) for make serve." >&2; exit 1; }
	DJANGO_DEBUG=0 $(PY) manage.py migrate --noinput -v0
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 $(PY) manage.py search_groups -v0
	DJANGO_DEBUG=0 $(PY) manage.py search_sync
	WORKERS=$(WORKERS) DJANGO_DEBUG=0 $(VENV)/bin/gunicorn newsapp.wsgi --config newsapp/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --access-logfile -
