# The two README commands: `make run` (demo site + worker) and `make test` (the whole suite).
# Everything installs into .venv on first use; requirement changes re-install automatically.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The suite runs on every CPU (pytest-xdist); `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The browser tests (tests/browser) drive Debian's chromium through Playwright, which ships its
# own driver: `playwright install` is never run (it would download a browser).
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint format migrate demo clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

## run: install, migrate, seed the demo guild, serve http://$(HOST):$(PORT) with a django-q2 worker
run: demo
	HOST=$(HOST) PORT=$(PORT) scripts/dev-server.sh

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

## test: install the dev requirements and run the whole suite (SQLite unless DATABASE_URL is set)
test: $(VENV)/.installed-dev chromium
	$(BIN)/pytest $(PYTEST_ARGS)

## chromium: install Debian's chromium for the browser tests when it is missing and we are root.
## Without it (no root, no apt) the browser tests are skipped with the reason shown, except in
## CI (CI set), where a missing Chromium is an error.
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium && exit 0; \
	fi; \
	case "$${CI:-}" in \
	  ""|0|false|no) echo "Note: $(CHROMIUM) not found and not installable here (needs root and" \
	    "apt-get): the browser tests will be skipped. Install Debian's chromium to run them." ;; \
	  *) echo "CI: $(CHROMIUM) is missing and could not be installed" >&2; exit 1 ;; \
	esac

## lint: ruff (format and rules), the layer contracts (import-linter, .importlinter) and mypy
## (patt/ and every services/ package, configured in pyproject.toml), as CI runs them
lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache staticfiles
