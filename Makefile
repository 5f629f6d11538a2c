# Learnpaths: `make run` to serve the site locally, `make test` to run the test suite.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` is for development: DEBUG on unless the environment says otherwise.
RUN_DEBUG ?= $(if $(DEBUG),$(DEBUG),1)

.PHONY: help install seed run test lint migrate curator bench screenshots loadtest

help:
	@echo "make run    install, migrate, load the curated catalogue and serve on http://127.0.0.1:$(PORT)/"
	@echo "make test   run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make lint   ruff check, format check and bandit"
	@echo "make screenshots   PNGs of the main pages into docs/screenshots/ (needs Chromium)"
	@echo "make seed   load the curated catalogue; keeps (and lists) items curators changed or deleted;"
	@echo "            manage.py seed --overwrite replaces them; running it twice changes nothing"
	@echo "make loadtest  gunicorn on loopback under ~30 s of reads and progress writes"

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

# Benchmark on PostgreSQL (not part of `make test`): seeds 1× and 10×, serves with gunicorn and
# DEBUG=0, drives each key page with wrk on 127.0.0.1, warm (one URL again and again) and cold
# (a new URL each request; BENCH_MODE=warm|cold|both); results in var/bench/. bench/run.py
# creates the database if it is missing.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/learnpaths_bench
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r learnpaths resources -c pyproject.toml

# Not part of `make test`: a fresh SQLite file under var/loadtest/ (or DATABASE_URL), gunicorn on
# 127.0.0.1, ~30 s of mixed load; fails on any 5xx or lost progress write.
loadtest: install
	$(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)

# PNGs of the main pages (desktop and phone, light and dark) into docs/screenshots/, taken with
# the system Chromium from a throwaway seeded site.
screenshots: install
	$(BIN)/python scripts/screenshots.py
