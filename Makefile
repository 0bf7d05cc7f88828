# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
CHROMIUM := /usr/bin/chromium
# Where `make run` serves; documents print it as their verification address unless
# ONESTOP_PUBLIC_URL names another (e.g. `make run ADDR=0.0.0.0:8000 ONESTOP_PUBLIC_URL=http://10.0.0.5:8000`).
ADDR ?= 127.0.0.1:8000
# Debian packages the project needs: CJK fonts for the PDFs (Noto for text, HanaMin for rare
# characters in names); for the tests also Chromium and poppler (to read the PDFs back).
APT_RUN := fonts-noto-cjk fonts-hanazono
APT_TEST := $(APT_RUN) chromium poppler-utils postgresql

.PHONY: run test setup lint format bench system-run system-test apt clean

run: system-run setup
	@ONESTOP_PUBLIC_URL="$${ONESTOP_PUBLIC_URL:-http://$(ADDR)}" $(PY) manage.py serve $(ADDR)

test: $(DEPS) system-test lint
	@$(PY) manage.py fetch_webfont >/dev/null
	@$(PY) -m pytest -n $${ONESTOP_TEST_WORKERS:-2}

setup: $(DEPS)
	@mkdir -p var
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py load_demo
	@$(PY) manage.py prepare_fonts
	@$(PY) manage.py fetch_webfont

lint: $(DEPS)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports --no-logo --no-cache

format: $(DEPS)
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

bench: setup
	@$(PY) bench/calendar.py
	@$(PY) bench/eligibility.py

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found " + sys.version.split()[0] + ").")'
	@$(PYTHON) -m venv $(VENV)

$(DEPS): pyproject.toml | $(PY)
	@echo "Installing dependencies into $(VENV) ..."
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

system-run:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_RUN)"

system-test:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_TEST)"
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing after installation." >&2; exit 1; }

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing (fonts, browser and PDF tools) ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else \
	    echo "Cannot install$$missing: run 'sudo apt-get install -y$$missing' once, then run make again." >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends$$missing >/dev/null \
	    || { echo "apt-get install$$missing failed; see the output above." >&2; exit 1; }; \
	fi

clean:
	rm -rf $(VENV) var *.egg-info .mypy_cache
