# Learnpaths: `make run` to serve the site locally, `make test` to run the test suite.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` is for development: DEBUG on unless the environment says otherwise.
RUN_DEBUG ?= $(if $(DEBUG),$(DEBUG),1)

.PHONY: help install seed run test lint migrate curator

help:
	@echo "make run    install, migrate, load the curated catalogue and serve on http://127.0.0.1:$(PORT)/"
	@echo "make test   run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make lint   ruff check and format check"
	@echo "make seed   (re)load the curated catalogue; running it twice changes nothing"

# The virtualenv is rebuilt only when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

migrate: install
	DEBUG=$(RUN_DEBUG) $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=$(RUN_DEBUG) $(BIN)/python manage.py seed

curator: migrate
	@DEBUG=$(RUN_DEBUG) $(BIN)/python manage.py ensure_curator

run: seed curator
	@echo "Learnpaths is starting on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=$(RUN_DEBUG) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
