# Nuanxin: `make run` serves the demo city, `make test` runs every check. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install lint migrate demo serve messages check-messages vendor bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip==26.3"

# Reinstalls only when the lock file changes.
$(VENV)/.installed: requirements/dev.txt | $(PY)
	$(PIP) install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

serve:
	$(MANAGE) runserver $(HOST):$(PORT)

run: demo serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	# Model state only: no database needed (and none is created yet on a fresh PostgreSQL).
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Re-extract translatable strings (needs GNU gettext) and compile the catalogs; the .mo files are
# committed so that a machine without gettext serves both languages.
messages: install
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=static/vendor --no-obsolete
	$(MANAGE) makemessages -d djangojs -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=static/vendor --no-obsolete
	$(PY) scripts/complete_english.py
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

# Refresh the vendored front-end libraries from their npm packages (versions in package.json).
vendor:
	npm ci --no-audit --no-fund
	bash scripts/vendor.sh

bench: install
	$(PY) bench/finder.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
