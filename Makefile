# One command per habit. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve init install js-deps sdk sdk-deps test test-sqlite lint bench eval clean system-deps promtool

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,knowledge]"
	touch $(STAMP)

install: $(STAMP)

init: install
	$(BIN)/gpubroker init

run: init
	$(BIN)/gpubroker serve

serve: install
	$(BIN)/gpubroker serve

# Chromium for the browser tests comes from Debian's packages (never `playwright install`).
system-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# promtool (Prometheus' config and rule checker, for tests/deploy) from Debian's prometheus package,
# unpacked into the venv: no Prometheus server is installed or started.
$(BIN)/promtool: | $(BIN)/python
	@tmp=$$(mktemp -d) && cd $$tmp \
	  && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }; } \
	  && dpkg-deb -x prometheus_*.deb unpacked && cp unpacked/usr/bin/promtool $(abspath $(BIN))/promtool \
	  && rm -rf $$tmp

promtool: $(BIN)/promtool

# LangGraph's JS client and a useStream page (tests/js), run by tests/api/test_langgraph_js.py.
js-deps:
	cd tests/js && npm ci --no-audit --no-fund

# The TypeScript SDK's npm project (sdk/typescript): openapi-typescript for `make sdk`, openapi-fetch and tsc
# for tests/sdk, which build it and run its examples.
sdk-deps:
	cd sdk/typescript && npm ci --no-audit --no-fund

# Both SDKs, regenerated from the app's OpenAPI document (sdk/generate.py); tests/sdk fails when they are stale.
sdk: install sdk-deps
	$(BIN)/python -m sdk.generate

# The gates, in the order CI meets them: lint (ruff, mypy, bandit), then the whole suite under coverage
# with a floor of 80% of the product's lines (report: the terminal and var/coverage/index.html), then the
# assistant's evals.
# The suite runs in TEST_WORKERS processes (pytest-xdist), each on databases of its own (tests/conftest.py);
# TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2

test: install system-deps promtool js-deps sdk-deps
	$(MAKE) lint
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=30 --cov --cov-report=term:skip-covered --cov-report=html:var/coverage --cov-fail-under=80
	$(MAKE) eval

test-sqlite: install promtool
	GPUBROKER_TEST_BACKENDS=sqlite $(BIN)/pytest -n $(TEST_WORKERS)

PACKAGES := core catalog accounts api web tools agent evals iac_templates booking billing analytics alerts

# ruff (style and bug patterns), mypy (types), bandit (SAST: each finding is fixed or carries an inline
# "# nosec <test>  # why").
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy $(PACKAGES)
	$(BIN)/bandit -q -r $(PACKAGES)

bench: install
	$(BIN)/python -m bench.run_all

# The assistant's evals with the CI thresholds (accuracy and p95 latency), on a freshly initialised catalog.
eval: init
	$(BIN)/gpubroker eval --enforce

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
