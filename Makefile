# Peer Directory. `make run` serves the site on http://127.0.0.1:8000/ ; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip prints a harmless warning per install on these machines; everything else it says is kept.
PIP_INSTALL = $(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt 2>&1 | { grep -v "is ignored" || true; }

.PHONY: install lock lock-check run serve seed test test-fast lint format typecheck hooks migrations-check bench clean

# The locked set (exact versions and hashes), never the ranges: every machine runs what CI tested.
# The project itself is not installed: manage.py, pytest and gunicorn import it from this folder.
$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL)
	$(PY) -c "import django, django_filters, allauth, playwright" # fails loudly if the install did not work
	touch $@

install: $(VENV)/.installed

# Upgrade on purpose: newest releases allowed by pyproject.toml's ranges, then `make test` and commit
# pyproject.toml, requirements.txt and requirements-dev.txt together.
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --python-platform linux
lock: install
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --upgrade -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) --upgrade -c requirements.txt -o requirements-dev.txt
	$(PIP_INSTALL)

# The lock files still satisfy pyproject.toml's ranges, and the runtime set is the dev set's subset.
lock-check: install
	$(PY) .ci/check_lock.py

seed: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_seed

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

# Exit code 5 means "no tests collected" (e.g. a marker selection that matched nothing): not a failure.
test: install
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# mypy over the modules listed in pyproject.toml's [tool.mypy] `files`; no database needed.
typecheck: install
	$(BIN)/mypy

# The git pre-commit hook (.pre-commit-config.yaml): ruff, django-upgrade and mypy from .venv.
hooks: install
	$(BIN)/pre-commit install

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	bash bench/run.sh

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache
