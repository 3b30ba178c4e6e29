# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
TRANSLATIONS := caseflow/translations

.PHONY: run test lint translations extract-messages clean-venv lock audit-deps

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

# requirements.lock: every runtime dependency, transitive included, pinned with its hashes;
# production installs from it (README, "Dependencies"). Resolved on PyPI alone: pip's local
# configuration (extra indexes, wheel folders) is ignored so that every machine gets the same
# lock. Existing pins are kept; `make lock LOCK_ARGS=--upgrade` moves them to the latest.
lock: $(STAMP)
	PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(BIN)/pip-compile --quiet --generate-hashes \
	  --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	  --index-url https://pypi.org/simple --output-file requirements.lock $(LOCK_ARGS) pyproject.toml

# Known vulnerabilities in the locked dependencies (PyPI's advisory data); run by .ci/run.
# --strict: a package whose data cannot be fetched fails the check, never passes unaudited.
audit-deps: $(STAMP)
	$(BIN)/pip-audit --requirement requirements.lock --disable-pip --strict --progress-spinner off

clean-venv:
	rm -rf $(VENV)
