# callfunnel: the verbs. `make run` and `make test` are all a fresh clone needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(abspath data/dagster_home)
export DBT_PROFILES_DIR := $(abspath dbt_project)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install manifest simulate run materialize test lint dev clean chromium bench

help:  ## list the verbs
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.*"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# DuckDB 1.4 in its own environment: the tests prove BI drivers on 1.4 open the published file.
DUCKDB14 := .venv-duckdb14
$(DUCKDB14)/.installed:
	$(PYTHON) -m venv $(DUCKDB14)
	$(DUCKDB14)/bin/pip install --quiet 'duckdb==1.4.*'
	touch $@

install: $(BIN)/.installed  ## create .venv with the pinned dependencies

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	ln -sf $(abspath dagster.yaml) $@

manifest: install  ## parse the dbt project with this deployment's settings (Dagster reads it)
	$(BIN)/python -m orchestration.cli prepare

simulate: install  ## replace the demo data (12 weeks, fixed seed); never touches your own files
	$(BIN)/python -m orchestration.cli demo --weeks 12 --calls-per-week 3000 --seed 7

materialize: manifest $(DAGSTER_HOME)/dagster.yaml  ## materialise every asset from the landing folder
	$(BIN)/python -m orchestration.cli materialize

run: simulate materialize  ## demo data, then everything, then a summary

# The report test renders in a real headless Chromium (Debian's package; CI runs as root).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: manifest $(DAGSTER_HOME)/dagster.yaml $(DUCKDB14)/.installed chromium  ## the whole test suite
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests ran"; exit 1; fi; exit $$rc

lint: install  ## ruff and sqlfluff
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench
	cd dbt_project && CALLFUNNEL_WAREHOUSE=:memory: $(abspath $(BIN))/sqlfluff lint ../models ../tests/dbt

# Sizes and repetitions: BENCH_SIZES=1000000,10000000 BENCH_REPEAT=3 (DuckDB memory: BENCH_MEMORY_LIMIT).
bench: manifest $(DAGSTER_HOME)/dagster.yaml  ## time pipeline, floors and pandas peer; bench/results.json
	$(BIN)/python -m bench.run

dev: materialize  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

clean:  ## remove data/ and build output (keeps .venv)
	rm -rf data dbt_project/target dbt_project/logs
