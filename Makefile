# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
TRANSLATIONS := caseflow/translations

.PHONY: run test lint translations extract-messages clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

run: export CASEFLOW_ENV ?= development
run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-extract the messages after changing user-visible text, then translate the new entries.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

clean-venv:
	rm -rf $(VENV)
