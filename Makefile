# One command each for a fresh machine with only Python 3.11:
#   make sandbox   venv, install, migrate, demo data, run the shop at http://127.0.0.1:8000
#   make test      venv, install with test extras, headless Chromium if missing, the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python sandbox/manage.py
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_ARGS ?=

.PHONY: sandbox sandbox-data test lint browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-sandbox: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-sandbox

sandbox-data: $(VENV)/.installed-sandbox
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) oscar_populate_countries --initial-only --no-shipping
	$(MANAGE) loyalty_load_demo_data $(DEMO_ARGS)
	$(MANAGE) loyalty_demo_programme
	$(MANAGE) loyalty_recommendations_build

sandbox: sandbox-data
	@echo "Shop: http://127.0.0.1:8000   dashboard: http://127.0.0.1:8000/dashboard/"
	@echo "Staff: admin@example.com / admin    Shopper: shopper@example.com / shopper"
	$(MANAGE) runserver 127.0.0.1:8000

browser:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

test: $(VENV)/.installed-test browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) sandbox/db.sqlite3 sandbox/whoosh_index sandbox/media sandbox/sent-emails
