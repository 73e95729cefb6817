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
# The lake (catalog data/lake/catalog.sqlite, Parquet under data/lake/data/); README: when to choose another.
export WAREHOUSE_URL ?= ducklake:///data/lake
export DAGSTER_HOME ?= $(CURDIR)/data/dagster
# Which Dagster instance DAGSTER_HOME gets: local (SQLite files under it) or postgres (storage at DAGSTER_PG_URL).
DAGSTER_INSTANCE ?= local
# Quiet third-party start-up noise, never our own output.
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::FutureWarning
# A download progress bar per model load is noise in a run's log.
export MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR ?= false

# The CPU build of torch lies on this machine kind's disk; a resolver-chosen torch is a multi-GB CUDA build.
TORCH := torch==2.13.0+cpu
WHEELS := $(wildcard /opt/wheels)

.PHONY: help demo test test-fast lint run data ui daemon worker docs fuzz venv dagster-home dbt-manifest clean kb superset superset-venv chromium bench mlflow lab serve bench-assistant

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## .*$$' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

demo: venv data run ## Set up, generate the sample utility, and run the whole pipeline on the lake

# Two pytest workers (pytest-xdist): most tests wait on subprocesses, servers and databases, so two keep both
# cores busy. A test file runs whole on one worker (its module fixtures and order kept); session fixtures are
# built once per worker that needs them. loadgroup would pin a session build's users to one worker, but
# pytest-xdist 3.8 cannot rename pytest 9.2's structured node ids, so its groups are ignored. TEST_WORKERS=0
# runs everything in this process.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

# --durations: CI's log then says which tests its 30 minutes went to.
test: venv superset-venv chromium dbt-manifest ## Set up and run the whole test suite (PostgreSQL tests need 127.0.0.1:5432)
	$(VENV)/bin/pytest $(XDIST) --durations=25 tests

lint: venv ## ruff (lint and format check) on the Python, sqlfluff on the dbt SQL (configs: pyproject.toml, .sqlfluff)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/tests

# The inner loop: no Superset venv, no browser, no whole-pipeline runs (tests marked slow, see tests/conftest.py),
# and a fifth of the landing-contract fuzz cases (`make test` runs 200, `make fuzz` 1500).
test-fast: venv ## The fast part of the suite (under 5 minutes): no Superset, browser or whole-pipeline runs
	FUZZ_CASES=$${FUZZ_CASES:-40} $(VENV)/bin/pytest $(XDIST) tests -m "not slow" --ignore=tests/superset -q

fuzz: venv ## Fuzz the landing contract with the large budget (FUZZ_CASES=1500)
	FUZZ_CASES=$${FUZZ_CASES:-1500} $(VENV)/bin/pytest tests/orchestration/ingestion/test_fuzz.py -q

venv: $(STAMP) ## Create .venv with the pinned dependencies (constraints.txt)

$(STAMP): pyproject.toml constraints.txt
	@t0=$$(date +%s); \
	test -x $(PY) || $(PYTHON) -m venv $(VENV); \
	$(PIP) install -q --upgrade "pip<27" && \
	$(PIP) install -q $(if $(WHEELS),--find-links $(WHEELS)) "$(TORCH)" && \
	$(PIP) install -q $(if $(WHEELS),--find-links $(WHEELS)) -c constraints.txt -e '.[dev]' && \
	touch $(STAMP) && echo "environment ready in $$(( $$(date +%s) - t0 )) s"

#### Superset: its own venv (its pins clash with the core's), provisioned from superset/ ####
SUPERSET_VENV := superset/.venv
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
SUPERSET_ENV := SUPERSET_CONFIG_PATH=$(CURDIR)/superset/superset_config.py

superset-venv: $(SUPERSET_STAMP) ## Create superset/.venv with the pinned Superset (superset/constraints.txt)

$(SUPERSET_STAMP): superset/constraints.txt
	@t0=$$(date +%s); \
	test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV); \
	$(SUPERSET_VENV)/bin/pip install -q --upgrade "pip<27" && \
	$(SUPERSET_VENV)/bin/pip install -q -c superset/constraints.txt \
		apache-superset duckdb-engine psycopg2-binary rich cachetools flask-caching \
		duckdb-extensions duckdb-extension-ducklake duckdb-extension-sqlite duckdb-extension-postgres && \
	touch $(SUPERSET_STAMP) && echo "superset environment ready in $$(( $$(date +%s) - t0 )) s"

# The dashboard tests drive Debian's chromium (never a downloaded browser); a CJK font draws the Chinese labels.
chromium: ## Install Debian's chromium and a CJK font (skipped when present)
	@if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then :; else \
		apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei; fi

# What Superset reads follows WAREHOUSE_URL (`python -m orchestration superset-env`): the lake itself, read-only;
# the BI copy of a DuckDB file; on PostgreSQL, set SUPERSET_WAREHOUSE_URI=postgresql://bi_reader:...@host/db.
superset: venv superset-venv ## Provision Superset (admin, the nine dashboards) and serve it on http://127.0.0.1:8088
	@if [ -z "$$SUPERSET_WAREHOUSE_URI" ]; then eval "$$($(PY) -m orchestration superset-env)"; fi; \
	if [ -z "$$SUPERSET_WAREHOUSE_URI" ]; then \
		echo "set SUPERSET_WAREHOUSE_URI (PostgreSQL: the bi_reader role, docs/operations.md)"; exit 1; fi; \
	bi_file=$${SUPERSET_WAREHOUSE_URI#duckdb:///}; \
	if [ "$$bi_file" != "$$SUPERSET_WAREHOUSE_URI" ] && [ "$$bi_file" != ":memory:" ] && [ ! -f "$$bi_file" ]; then \
		echo "no BI copy at $$bi_file: run make demo (or make run) first"; exit 1; fi; \
	mkdir -p data/superset; t0=$$(date +%s); \
	$(SUPERSET_ENV) $(SUPERSET_VENV)/bin/superset db upgrade >data/superset/provision.log 2>&1 && \
	$(SUPERSET_ENV) $(SUPERSET_VENV)/bin/superset init >>data/superset/provision.log 2>&1 && \
	$(SUPERSET_ENV) $(SUPERSET_VENV)/bin/python superset/provision.py \
		--warehouse-uri "$$SUPERSET_WAREHOUSE_URI" 2>>data/superset/provision.log && \
	echo "Superset provisioned in $$(( $$(date +%s) - t0 )) s (log: data/superset/provision.log); serving http://127.0.0.1:8088" || \
	{ echo "provisioning failed, see data/superset/provision.log"; exit 1; }; \
	$(SUPERSET_ENV) exec $(SUPERSET_VENV)/bin/gunicorn -w 2 --threads 4 -b 127.0.0.1:8088 --timeout 120 \
		--error-logfile data/superset/server.log "superset.app:create_app()"

dagster-home:
	@case "$(DAGSTER_INSTANCE)" in \
	  local) src=orchestration/instance/dagster.yaml ;; \
	  postgres) test -n "$$DAGSTER_PG_URL" || { echo "DAGSTER_INSTANCE=postgres needs" \
	    "DAGSTER_PG_URL=postgresql+psycopg2://user:password@host:5432/dbname (docs/operations.md)" >&2; exit 1; }; \
	    src=orchestration/instance/dagster.postgres.yaml ;; \
	  *) echo "DAGSTER_INSTANCE is local or postgres, not '$(DAGSTER_INSTANCE)'" >&2; exit 1 ;; \
	esac; mkdir -p $(DAGSTER_HOME) && cp $$src $(DAGSTER_HOME)/dagster.yaml

data: venv ## Generate the synthetic utility into LANDING_DIR (CUSTOMERS, DAYS, SEED, END_DATE)
	$(PY) -m datagen --out $(LANDING_DIR) --customers $(CUSTOMERS) --days $(DAYS) \
		--seed $(SEED) --end-date $(END_DATE)

# The code location loads dbt's manifest and never writes it: this step parses the project first, with the
# warehouse's own target and connection (WAREHOUSE_URL), so the runs' dbt reuses the parse. Quick when current.
dbt-manifest: venv ## Parse the dbt project into dbt_project/target/manifest.json for WAREHOUSE_URL (if stale)
	@$(PY) -m orchestration.prepare

run: venv dagster-home dbt-manifest ## Run the whole pipeline on whatever is in LANDING_DIR (no generation)
	$(PY) -m orchestration run

# Benchmarks (bench/README.md). `make bench` alone is the small scale (a few minutes); the issue's scales by
# parameter, e.g. make bench CUSTOMERS=100000 DAYS=365 CASES=full,reference. Results go to bench/out/ (gitignored).
# CUSTOMERS and DAYS default to the sample utility's size above, so the benchmark's small scale applies only when
# neither is given on the command line or in the environment.
given = $(if $(filter command line environment,$(origin $(1))),$($(1)),$(2))
ENGINE ?= lake
CASES ?= full,reference,increment,backfill,files,ml
BACKFILL_CUSTOMERS ?= 5000
BACKFILL_DAYS ?= 90
NIGHTS ?= 365
HISTORY ?= 90,730
INCREMENT_CUSTOMERS ?= 5000
TRANSFORMERS ?= 1000
NAME ?= bench-$(subst $(comma),-,$(ENGINE))
comma := ,

bench: venv dbt-manifest ## Benchmark the platform (CUSTOMERS, DAYS, ENGINE=lake,postgres, CASES, HISTORY, INCREMENT_CUSTOMERS, BACKFILL_CUSTOMERS, BACKFILL_DAYS, NIGHTS, NAME)
	$(PY) -m bench run --customers $(call given,CUSTOMERS,20000) --days $(call given,DAYS,30) --engine $(ENGINE) \
		--cases $(CASES) --history $(HISTORY) --increment-customers $(INCREMENT_CUSTOMERS) \
		--backfill-customers $(BACKFILL_CUSTOMERS) --backfill-days $(BACKFILL_DAYS) --nights $(NIGHTS) \
		--transformers $(TRANSFORMERS) --out bench/out/$(NAME).json

kb: venv ## Search the knowledge base: make kb q="如何申请峰谷电价？"
	$(PY) -m orchestration kb search "$(q)"

ui: venv dagster-home dbt-manifest ## Start the Dagster UI and daemon (schedules, sensors, run queue) on http://127.0.0.1:3000
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

daemon: venv dagster-home dbt-manifest ## Run the Dagster daemon alone: fires schedules and sensors, starts queued runs
	$(VENV)/bin/dagster-daemon run -w workspace.yaml

worker: venv dagster-home dbt-manifest ## Start a Celery worker for DAGSTER_EXECUTOR=celery (CELERY_BROKER_URL, DAGSTER_CELERY_QUEUE)
	$(VENV)/bin/celery -A dagster_celery.app worker -Q $${DAGSTER_CELERY_QUEUE:-dagster} -n $${CELERY_WORKER_NAME:-gridcare@%h} \
		--prefetch-multiplier 1 --loglevel INFO -I orchestration.definitions,great_expectations

DOCS_PORT ?= 8080
docs: venv ## Generate the dbt docs site (dbt_project/target) and serve it on http://127.0.0.1:8080
	$(PY) -m orchestration dbt-docs
	@echo "dbt docs: http://127.0.0.1:$(DOCS_PORT)"
	$(PY) -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory dbt_project/target

MLFLOW_TRACKING_URI ?= sqlite:///$(CURDIR)/data/mlflow/mlflow.db
mlflow: venv ## The MLflow UI on the configured store (MLFLOW_TRACKING_URI) on http://127.0.0.1:5000
	@echo "MLflow UI: http://127.0.0.1:5000 (store $(firstword $(subst @, ,$(MLFLOW_TRACKING_URI))))"
	$(VENV)/bin/mlflow ui --backend-store-uri "$(MLFLOW_TRACKING_URI)" --host 127.0.0.1 --port 5000

lab: venv ## JupyterLab on notebooks/ with the project's kernel, on http://127.0.0.1:8888
	@echo "JupyterLab on http://127.0.0.1:8888/lab (kernel: this repository's .venv); its login URL with a token follows"
	$(VENV)/bin/jupyter lab --notebook-dir notebooks --ip 127.0.0.1 --port 8888 --no-browser

clean: ## Remove every generated file under data/ and dbt's build output (keeps the venvs)
	find data -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf dbt_project/target dbt_project/logs logs mlruns

.PHONY: bench-serving
bench-serving: venv ## Work-order delivery throughput (orders/s) against a local ticketing stand-in
	$(PY) -m bench.serving --orders $${ORDERS:-5000} --threads $${THREADS:-4}

# The assistant's API on 127.0.0.1:8000 (OpenAPI at /docs). Two uvicorn worker processes on PostgreSQL; one on a
# DuckDB file, which admits a single writing process. Channel adapters keep their connections: uvicorn's 5 s
# keep-alive raced their reuse under load (ReadError), so it outlasts a typical proxy's idle timeout.
ASSISTANT_WORKERS ?= $(if $(filter duckdb:%,$(WAREHOUSE_URL)),1,2)
serve: venv ## The 7×24 service assistant API on http://127.0.0.1:8000 (docs at /docs; ASSISTANT_API_KEYS, docs/assistant.md)
	$(VENV)/bin/uvicorn assistant.app:create_app --factory --host 127.0.0.1 --port $${ASSISTANT_PORT:-8000} \
		--workers $(ASSISTANT_WORKERS) --timeout-keep-alive 75

# Containment on docs/assistant/eval_messages.jsonl, then answers under an open-loop load (a PostgreSQL database is
# created and dropped on 127.0.0.1:5432). Both use MLFLOW_TRACKING_URI's intent_classifier@champion.
bench-assistant: venv ## The assistant: containment on the evaluation set, then latency under load (RATES, SECONDS_PER_RATE)
	$(PY) -m bench.assistant eval --mlflow-uri "$(MLFLOW_TRACKING_URI)"
	$(PY) -m bench.assistant load --mlflow-uri "$(MLFLOW_TRACKING_URI)" --rates $${RATES:-50,100,200,333} \
		--seconds $${SECONDS_PER_RATE:-20}
