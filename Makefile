# The two commands a newcomer needs: `make run` (nightly refresh on the bundled sample) and `make test`.
# Both install what they need first, from the lock file only.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
BIN := .venv/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: install browser run test lint format ui sample clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installed from the lock once, and again only when uv.lock or pyproject.toml change (the stamp below): with
# --compile-bytecode uv compiles every package again on each sync (30 s), which `make run` would pay every time.
# --compile-bytecode: the packages' .pyc are written once. Without them every process (the refresh and each dbt
# invocation) compiles dagster, dbt and GX from source again wherever PYTHONDONTWRITEBYTECODE is set, as on CI
# machines: 15 s of a sample refresh (bench/README.md).
# Then the dbt manifest the Dagster code location loads (dagster-dbt's advice: prepare it at build time), again
# whenever a dbt file changed since (a checkout updated in place, as a deployment is): the refresh would otherwise
# parse first (~6 s, bench/README.md). The refresh still parses by itself when a dbt file changed after install.
INSTALLED := .venv/.installed-from-lock
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := dbt_project/dbt_project.yml $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null)

install: $(INSTALLED) $(MANIFEST)

$(INSTALLED): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode --python $(PYTHON)
	touch $@

$(MANIFEST): $(INSTALLED) $(DBT_FILES)
	$(BIN)/python -m pipelines.project
	touch $@

run: install ## refresh on the bundled sample into CLUSTERSCORE_HOME (default data/)
	$(BIN)/clusterscore refresh

browser: ## Debian's chromium, for the tests that open the scorecard site in a real headless browser
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install browser ## the whole test suite
	$(BIN)/python -m pytest

lint: install ## ruff (Python) and sqlfluff (dbt SQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models $$(ls -d tests 2>/dev/null)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models $$(ls -d tests 2>/dev/null)

ui: install ## the Dagster UI over the same run history as `make run`
	DAGSTER_HOME=$${CLUSTERSCORE_HOME:-$(CURDIR)/data}/dagster $(BIN)/dagster dev -w workspace.yaml

sample: install ## regenerate the bundled sample (deterministic)
	$(BIN)/clusterscore generate-sample --out sample

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
