# Two commands on a fresh machine: `make run` serves locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean build-IngestFunction

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamps re-run an install when what it installs from changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[aws,azure,dev]'
	touch $@

run: $(VENV)/.run-installed
	$(BIN)/interana-destination serve

# Azurite (the Blob Storage emulator the Azure tests run against), from the committed lock file.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint node_modules/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .aws-sam node_modules interana-data

# `sam build` (BuildMethod: makefile) calls this with ARTIFACTS_DIR. Dependencies are cross-installed as
# python3.13 arm64 wheels, so the build needs no matching interpreter and no Docker.
LAMBDA_PLATFORM := --python-version 3.13 --platform manylinux2014_aarch64 --implementation cp --only-binary=:all:
build-IngestFunction:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile $(LAMBDA_PLATFORM) \
		--target "$(ARTIFACTS_DIR)" -r aws_lambda/requirements.txt
	mkdir -p "$(ARTIFACTS_DIR)/core" "$(ARTIFACTS_DIR)/aws_lambda"
	cp core/*.py "$(ARTIFACTS_DIR)/core/"
	cp aws_lambda/*.py "$(ARTIFACTS_DIR)/aws_lambda/"
