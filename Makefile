# Two commands matter: `make run` (the product with demo data) and `make test` (every test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
FRONTEND_SOURCES := $(shell find flowdesigner/frontend -type f 2>/dev/null) package.json vite.config.ts tsconfig.json

.PHONY: run test lint pytest frontend-test install system-deps clean fuzz api-types

run: $(VENV)/.installed static/dist/.built
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py demo_data
	PORT=$(PORT) $(PY) manage.py serve

test: system-deps $(VENV)/.installed static/dist/.built lint frontend-test pytest

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed $(FRONTEND_SOURCES)
	npm run build
	touch $@

# Debian's chromium for the browser tests (never a downloaded browser build).
system-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) for the browser tests"; exit 1; fi; \
	fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0

frontend-test: node_modules/.installed
	npm run typecheck
	npm test

pytest: $(VENV)/.installed static/dist/.built
	$(VENV)/bin/pytest

# The schema fuzz test alone (it also runs in every `make pytest`, i.e. in `make test` and .ci/run).
fuzz: $(VENV)/.installed
	$(VENV)/bin/pytest -m fuzz

# The front end's API types (flowdesigner/frontend/src/shared/api-schema.ts), generated from the OpenAPI
# schema; tests/test_api_types.py fails when the committed file is not what the schema generates.
api-types: $(VENV)/.installed node_modules/.installed
	npm run api-types

clean:
	rm -rf $(VENV) node_modules static/dist var
