# gridcare — the data platform behind a power utility's customer service.
# The two commands a new user needs: `make demo` and `make test`. `make help` lists the rest.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

CUSTOMERS ?= 5000
DAYS ?= 180
SEED ?= 42
END_DATE ?= 2026-10-31

export LANDING_DIR ?= data/landing
export WAREHOUSE_URL ?= duckdb:///data/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/data/dagster
# Quiet third-party start-up noise, never our own output.
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::FutureWarning

# The CPU build of torch lies on this machine kind's disk; a resolver-chosen torch is a multi-GB CUDA build.
TORCH := torch==2.13.0+cpu
WHEELS := $(wildcard /opt/wheels)

.PHONY: help demo test run data ui docs fuzz venv dagster-home clean kb bench

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## .*$$' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

demo: venv data run ## Set up, generate the sample utility, and run the whole pipeline on DuckDB

test: venv ## Set up and run the whole test suite (PostgreSQL tests need 127.0.0.1:5432)
	$(VENV)/bin/pytest tests

fuzz: venv ## Fuzz the landing contract with the large budget (FUZZ_CASES=1500)
	FUZZ_CASES=$${FUZZ_CASES:-1500} $(VENV)/bin/pytest tests/orchestration/lib/test_landing_fuzz.py -q

venv: $(STAMP) ## Create .venv with the pinned dependencies (constraints.txt)

$(STAMP): pyproject.toml constraints.txt
	@t0=$$(date +%s); \
	test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	$(PIP) install -q --upgrade "pip<27" && \
	$(PIP) install -q $(if $(WHEELS),--find-links $(WHEELS)) "$(TORCH)" && \
	$(PIP) install -q $(if $(WHEELS),--find-links $(WHEELS)) -c constraints.txt -e '.[dev]' && \
	touch $(STAMP) && echo "environment ready in $$(( $$(date +%s) - t0 )) s"

dagster-home:
	@mkdir -p $(DAGSTER_HOME) && cp orchestration/instance/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

data: venv ## Generate the synthetic utility into LANDING_DIR (CUSTOMERS, DAYS, SEED, END_DATE)
	$(PY) -m orchestration.lib.synthetic --out $(LANDING_DIR) --customers $(CUSTOMERS) --days $(DAYS) \
		--seed $(SEED) --end-date $(END_DATE)

run: venv dagster-home ## Run the whole pipeline on whatever is in LANDING_DIR (no generation)
	$(PY) -m orchestration run

# Benchmarks (bench/README.md). `make bench` alone is the small scale (a few minutes); the issue's scales by
# parameter, e.g. make bench CUSTOMERS=100000 DAYS=365 CASES=full,reference. Results go to bench/out/ (gitignored).
# CUSTOMERS and DAYS default to the sample utility's size above, so the benchmark's small scale applies only when
# neither is given on the command line or in the environment.
given = $(if $(filter command line environment,$(origin $(1))),$($(1)),$(2))
ENGINE ?= duckdb
CASES ?= full,reference,increment,ml
HISTORY ?= 90,730
INCREMENT_CUSTOMERS ?= 5000
TRANSFORMERS ?= 1000
NAME ?= bench-$(ENGINE)

bench: venv ## Benchmark the platform (CUSTOMERS, DAYS, ENGINE, CASES, HISTORY, INCREMENT_CUSTOMERS, NAME)
	$(PY) -m bench run --customers $(call given,CUSTOMERS,20000) --days $(call given,DAYS,30) --engine $(ENGINE) \
		--cases $(CASES) --history $(HISTORY) --increment-customers $(INCREMENT_CUSTOMERS) \
		--transformers $(TRANSFORMERS) --out bench/out/$(NAME).json

kb: venv ## Search the knowledge base: make kb q="如何申请峰谷电价？"
	$(PY) -m orchestration kb search "$(q)"

ui: venv dagster-home ## Start the Dagster UI on http://127.0.0.1:3000
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

docs: venv ## Generate the dbt docs site (dbt_project/target)
	$(PY) -m orchestration dbt-docs

clean: ## Remove generated data (keeps .venv)
	rm -rf data/landing data/warehouse.duckdb data/warehouse.duckdb.wal data/dagster data/mlflow
