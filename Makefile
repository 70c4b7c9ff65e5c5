# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app run
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := platform/expertise/translations

.PHONY: run test install install-test install-production translations messages migrate-db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# gunicorn + gevent workers, the production shape (and `benchmarks/question_room_fanout.py`).
install-production: $(VENV)/.installed translations
	$(BIN)/pip install --quiet -e '.[production]'

# Compiled catalogues (.mo) are build products, made from the .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS)

# Re-extract the texts after changing templates or code, then translate the .po.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

migrate-db: install
	$(FLASK) db upgrade

run: migrate-db
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python run.py

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance/expertise.db* reports
