# Recall — the two commands: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 on this machine: python3.13, python3.12, python3, then pyenv's versions.
# (pyenv's shims answer for versions that are not active and then fail, so each candidate is run.)
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 python3 \
	  $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; break; }; done)

.PHONY: install prepare run serve test bench browser clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Recall needs Python 3.12 or newer, and none was found (tried python3.14, python3.13,"; \
	  echo "python3.12, python3 and pyenv's versions). Install one, e.g. 'apt-get install python3.12'"; \
	  echo "or 'pyenv install 3.13', or name it: make PYTHON=/path/to/python3.12"; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $@

# Bring the database, the bundled decks and stored card HTML up to date with the code.
prepare: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_library
	$(PY) manage.py rerender_cards

run: prepare
	$(PY) manage.py runserver $(HOST):$(PORT)

# A deployment: debug off, its own secret key (see README), static files collected.
serve: export DJANGO_DEBUG = false
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve needs DJANGO_SECRET_KEY (see README: Deploying)."; exit 1; }
	$(PY) manage.py collectstatic --noinput
	$(MAKE) prepare
	$(VENV)/bin/gunicorn studyapp.wsgi --bind $(HOST):$(PORT) --workers $${WORKERS:-3}

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot be used).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: install Debian's 'chromium' package (sudo apt-get install chromium)."; \
	    exit 1; \
	  fi; }

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) staticfiles *.egg-info
