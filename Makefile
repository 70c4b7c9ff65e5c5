# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app run
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := platform/expertise/translations
# deduce's lookup cache is a pickle: built once at install time, then made read-only, so
# the running app (and the worker) only read it. In production build it as root into a
# root-owned directory (see README, "Moderation").
DEDUCE_CACHE := $(VENV)/deduce-cache
# The learned marketing model's base (JSON, no pickle), trained from the development set;
# `flask moderation retrain` adds the moderators' decisions (see README, "Moderation").
MARKETING_MODEL := $(VENV)/marketing-model.json

.PHONY: run test install install-test install-production translations messages migrate-db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

# The tests also run the production shape (gunicorn + gevent, through the fan-out benchmark).
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,production]'
	touch $@

$(VENV)/.deduce-cache: | $(VENV)/.installed
	test -f $(DEDUCE_CACHE)/cache/lookup_structs.pickle || \
		$(BIN)/python -m expertise.moderation.deduce_worker --build-cache $(DEDUCE_CACHE)
	chmod -R a-w $(DEDUCE_CACHE)
	touch $@

$(MARKETING_MODEL): data/dev/marketing_dev.jsonl platform/expertise/moderation/learned.py | $(VENV)/.installed
	$(BIN)/python -m expertise.moderation.learned --build $@

install: $(VENV)/.installed $(VENV)/.deduce-cache $(MARKETING_MODEL) translations
install-test: $(VENV)/.installed-test $(VENV)/.deduce-cache $(MARKETING_MODEL) translations

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

# run.py also starts the deduce worker (socket in instance/) and stops it on exit.
run: migrate-db
	$(FLASK) seed-demo --if-empty
	HOST=$(HOST) PORT=$(PORT) EXPERTISE_DEDUCE_CACHE=$(DEDUCE_CACHE) $(BIN)/python run.py

# Two pytest-xdist workers (the CI machine has two cores); TEST_WORKERS=0 runs in one process.
# Each worker starts its own PostgreSQL cluster, app server and Chromium (tests/conftest.py).
TEST_WORKERS ?= 2
test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

clean:
	chmod -R u+w $(DEDUCE_CACHE) 2>/dev/null || true
	rm -rf $(VENV) instance/expertise.db* reports
