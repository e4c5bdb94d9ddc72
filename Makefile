# Two commands do all the set-up on a fresh clone:
#   make run   - a seeded demo on SQLite at http://127.0.0.1:8000 (logins printed)
#   make test  - lint, checks and the whole suite
# and one runs it as a province does (see README "Deployment"):
#   make serve - gunicorn + Celery workers against the local PostgreSQL and Redis
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEMO_PASSWORD ?= demo-password-2026
HOST ?= 127.0.0.1:8000

.PHONY: run serve test lint pytest sysdeps sysdeps-test devenv migrate seed messages clean bench

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

sysdeps: $(VENV)/.installed
	$(PY) -m registry.sysdeps --for run --install

sysdeps-test: $(VENV)/.installed
	$(PY) -m registry.sysdeps --for test --install

devenv: $(VENV)/.installed
	$(PY) -m registry.devsetup demo
	mkdir -p staticfiles

migrate: devenv sysdeps
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"

run: seed
	$(PY) manage.py runserver $(HOST)

SERVE_ENV := REGISTRY_ENV_FILE=var/serve.env

serve: sysdeps
	$(PY) -m registry.devsetup serve
	$(SERVE_ENV) $(PY) manage.py migrate --no-input
	$(SERVE_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(PY) manage.py check --deploy --fail-level ERROR
	$(SERVE_ENV) $(PY) -m registry.serve --bind $(HOST)

lint: $(VENV)/.installed-dev devenv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations scaffold --check --dry-run

pytest: $(VENV)/.installed-dev sysdeps-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint pytest

# DESIGN §8's targets on SQLite and, when it answers, PostgreSQL, then the load benchmark
# (gunicorn driven by Locust; benchmarks/README.md). BENCH_CASES=2000 make bench for a quick run;
# BENCH_ONLY=load BENCH_LOAD_SHORT=1 make bench for the load benchmark alone, in a few minutes.
bench: $(VENV)/.installed-dev sysdeps
	$(PY) benchmarks/run.py

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=var
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
