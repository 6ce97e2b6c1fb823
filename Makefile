# Peer Directory. `make run` serves the site on http://127.0.0.1:8000/ ; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=

.PHONY: install run serve seed test test-fast lint format migrations-check bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install --quiet -e '.[dev]' 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import django, django_filters, allauth, playwright" # fails loudly if the install did not work
	touch $@

install: $(VENV)/.installed

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

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	bash bench/run.sh

clean:
	rm -rf $(VENV) var staticfiles
