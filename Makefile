# Feedback Lakehouse. Every target bootstraps .venv from pinned requirements.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir profiles --project-dir .
RECORDS ?= 5000
SEED ?= 42

.PHONY: venv demo test lint sample build insights clean

$(BIN)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

venv: $(BIN)/.installed

sample: venv
	$(BIN)/feedback sample --records $(RECORDS) --seed $(SEED) --out data/landing
