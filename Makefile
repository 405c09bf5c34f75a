# Feedback Lakehouse. Every target bootstraps .venv from pinned requirements.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir profiles --project-dir .
# your own data (README "Bring your own data"): make build VARS='{landing_dir: ..., custom_source: ..., byo_seed_dir: ...}'
VARS ?=
DBT_VARS = $(if $(VARS),--vars '$(VARS)')
RECORDS ?= 5000
SEED ?= 42

.PHONY: venv demo test lint sample build daily insights clean bench bench-llm test-llm-local chromium check-databricks test-spark

$(BIN)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

venv: $(BIN)/.installed
	@mkdir -p data

sample: venv
	$(BIN)/feedback sample --records $(RECORDS) --seed $(SEED) --out data/landing

build: venv
	$(DBT) build $(DBT_FLAGS) $(DBT_VARS) --target local

# the daily run a scheduler calls after new files land: the models tagged daily and
# their tests (selectors.yml; README "The daily run"). Run `make build` first, and again
# after a deploy or a change to the seeds, vars or gold labels.
daily: venv
	$(DBT) build $(DBT_FLAGS) $(DBT_VARS) --target local --selector daily

insights: venv
	$(BIN)/feedback insights --db "$${FEEDBACK_DUCKDB_PATH:-data/feedback.duckdb}"

# the demo starts from a clean demo database: it deletes data/feedback.duckdb and the
# landing files its previous sample wrote (listed in data/landing/_manifest.json), never
# other files; a changed sample over the old database would count old texts as versions.
# It has its own warehouse file: its builds never follow an exported FEEDBACK_DUCKDB_PATH
# (a user's own warehouse, which `make build`/`daily`/`insights` use), which would mix the
# sample into it
DEMO_DB := data/feedback.duckdb
demo: venv
	$(BIN)/python -m feedback_devtools.demo_reset --landing data/landing --db $(DEMO_DB)
	$(BIN)/feedback sample --records $(RECORDS) --seed $(SEED) --out data/landing
	FEEDBACK_DUCKDB_PATH=$(DEMO_DB) $(DBT) seed $(DBT_FLAGS) --target local --quiet
	@echo "dbt build with the retired taxonomy v1, then with the default (v2): drift to show"
	FEEDBACK_DUCKDB_PATH=$(DEMO_DB) $(DBT) build $(DBT_FLAGS) --target local --quiet \
		--exclude resource_type:seed --vars '{taxonomy_version: v1}'
	FEEDBACK_DUCKDB_PATH=$(DEMO_DB) $(DBT) build $(DBT_FLAGS) --target local --quiet \
		--exclude resource_type:seed
	@echo
	$(BIN)/feedback insights --db $(DEMO_DB)
	@echo
	$(BIN)/feedback drift --db $(DEMO_DB)
	@echo
	$(BIN)/feedback report --db $(DEMO_DB) --out reports/feedback_report.html

lint: venv
	$(BIN)/ruff check src tests models
	$(BIN)/ruff format --check src tests models
	$(BIN)/sqlfluff lint models analyses

# make test: lint, dbt build on a fresh DuckDB file, then pytest over PYTEST_WORKERS
# processes (pytest-xdist; a test file stays in one process)
PYTEST_WORKERS ?= 2
TEST_DIR := target/test-run
# The report's browser test needs Debian's chromium; install it when missing (as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's chromium for the report test..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: sudo apt-get install chromium (the report test will skip)"; \
		fi; }

test: venv chromium check-databricks
	$(BIN)/ruff check src tests models
	$(BIN)/ruff format --check src tests models
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	FEEDBACK_DUCKDB_PATH=$(TEST_DIR)/lint.duckdb $(BIN)/sqlfluff lint models analyses
	$(BIN)/feedback sample --records 2000 --seed 7 --out $(TEST_DIR)/landing
	FEEDBACK_DUCKDB_PATH=$(TEST_DIR)/test.duckdb $(DBT) build $(DBT_FLAGS) --target local \
		--vars '{landing_dir: $(TEST_DIR)/landing}'
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

# Databricks, checked offline (no workspace; README "Run on Databricks"): parse, list and
# compile for the databricks target with dummy credentials. compile never connects with
# --no-populate-cache --no-introspect, and only for SQL models (Python models and
# snapshots would connect). Also the ai_query model, a dry run of the COPY INTO bronze
# load, and sqlfluff with the databricks dialect, templated against the local DuckDB
# target (against an unreachable workspace the dbt templater hangs).
DBX_DIR := target/databricks-check
DBX_ENV := DATABRICKS_HOST=dummy.cloud.databricks.com DATABRICKS_TOKEN=dummy-token \
	DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/dummy
DBX_DBT := $(DBX_ENV) timeout 600 $(DBT)
DBX_FLAGS := $(DBT_FLAGS) --target databricks --target-path $(DBX_DIR) \
	--log-path $(DBX_DIR)/logs --quiet
check-databricks: venv
	rm -rf $(DBX_DIR) && mkdir -p $(DBX_DIR)
	$(DBX_DBT) parse $(DBX_FLAGS)
	$(DBX_DBT) ls $(DBX_FLAGS) --resource-type model --output name > $(DBX_DIR)/models.txt
	@if grep -q '^bronze_' $(DBX_DIR)/models.txt; then \
		echo "the bronze Python models must be disabled on Databricks" >&2; exit 1; fi
	$(DBX_DBT) compile $(DBX_FLAGS) --no-populate-cache --no-introspect \
		--exclude tag:python resource_type:snapshot
	$(DBX_DBT) compile $(DBX_FLAGS) --no-populate-cache --no-introspect \
		--vars '{enrichment_provider: ai_query}' --select int_texts__enriched_ai_query > /dev/null
	$(DBX_DBT) run-operation load_bronze_databricks $(DBX_FLAGS) \
		--args '{landing_path: /Volumes/main/feedback/landing, dry_run: true}' > $(DBX_DIR)/bronze.sql
	$(BIN)/python scripts/check_bronze_copy_into.py $(DBX_DIR)/bronze.sql
	FEEDBACK_DUCKDB_PATH=$(DBX_DIR)/lint.duckdb $(BIN)/sqlfluff lint models --dialect databricks

# Every SQL model (and its data and unit tests) on a local Spark session: dbt-spark's
# session method, parquet tables; the Python models' code runs there through the package
# (mapInPandas enrichment). Needs Java 17; installs pyspark into .venv when missing.
# Outside `make test` (see docs/databricks.md for how long it takes).
PYSPARK := pyspark==4.3.0
test-spark: venv
	$(BIN)/python -c 'import pyspark' 2>/dev/null || \
		$(BIN)/pip install --quiet --disable-pip-version-check $(PYSPARK) -c constraints.txt
	PYSPARK_PYTHON=$(abspath $(BIN)/python) $(BIN)/python scripts/spark_smoke.py
	FEEDBACK_TEST_SPARK=1 PYSPARK_PYTHON=$(abspath $(BIN)/python) \
		$(BIN)/pytest -q tests/python/test_spark_enrich.py

clean:
	rm -rf target logs data/landing data/*.duckdb

# make bench [SIZES=10000,100000]: full and +1% incremental dbt builds per size, the SQL
# floor, offline vs raw lexicon, the LLM path vs its bound (data under target/bench/;
# results in bench/results/ and bench/RESULTS.md). Not a test: goals are reported.
SIZES ?= 10000,100000,1000000
bench: venv
	$(BIN)/python -m feedback_devtools.bench --sizes $(SIZES)

bench-llm: venv
	$(BIN)/python -m feedback_devtools.bench_llm --texts 400 --concurrency 16 --latency-ms 200

# optional, outside CI: the LLM path against a real llama.cpp server (builds it once)
test-llm-local: venv
	bash scripts/test_llm_local.sh

# worked bring-your-own-data examples on the real data in ../shared/data (SHARED_DATA=...);
# each builds data/examples/<name>/warehouse.duckdb and prints `feedback eval`
.PHONY: example-banking77 example-banking77-500 example-clothing
example-banking77: venv
	bash scripts/run_example.sh banking77

example-banking77-500: venv
	bash scripts/run_example.sh banking77 500

example-clothing: venv
	bash scripts/run_example.sh clothing_reviews

# the review queue's learning curve on the same real data (docs/quality-history.md):
# a simulated reviewer (gold labels) decides 100, 250, 500 items in queue order and at
# random; held-out accuracy of the model learned from the decisions. Outside CI.
.PHONY: learning-curve
learning-curve: venv
	$(BIN)/python -m feedback_devtools.learning_curve --shared "$${SHARED_DATA:-../shared/data}"

# near-duplicate groups: precision/recall on planted paraphrases (threshold chosen on half A,
# reported on half B) and the false-grouping rate on ../shared/data (README "Recurrence")
.PHONY: measure-near-duplicates
measure-near-duplicates: venv
	SHARED_DATA="$${SHARED_DATA:-../shared/data}" $(BIN)/python -m feedback_devtools.measure_near_duplicates --records 50000
