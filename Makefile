# The two commands a new user needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench scenario clean install tools sdk

$(STAMP): pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e sdk/python
	touch $(STAMP)

install: $(STAMP)

# Serves the two-currency example catalog (README: Economy catalog) unless CATALOG_FILE says otherwise,
# and saves its settings to .gameledger/env, where every other `gameledger` command reads them.
run: $(STAMP)
	CATALOG_FILE=$${CATALOG_FILE:-catalog.json} $(BIN)/gameledger serve --save-env

# The browser tests drive Debian's chromium, `bench --quick` drives wrk and the clock scenario
# shifts its servers' clocks with faketime (libfaketime) and the SDKs' tests run under node and
# npm (TypeScript) and Mono (C#), the feed scenarios run nats-server and the failover scenario runs
# Patroni over etcd: install them when missing (as root, or through sudo), or stop with a message
# saying what to install.
tools:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || missing="$$missing nodejs npm"; \
	command -v mcs >/dev/null 2>&1 || missing="$$missing mono-mcs mono-devel"; \
	command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing="$$missing nats-server"; \
	command -v patroni >/dev/null 2>&1 || missing="$$missing patroni"; \
	dpkg -s python3-etcd >/dev/null 2>&1 || missing="$$missing python3-etcd"; \
	command -v etcd >/dev/null 2>&1 || missing="$$missing etcd-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; } \
	    || { echo "could not install$$missing: please install them with apt-get"; exit 1; }; \
	fi

# Regenerate the SDKs' types from the service's OpenAPI document (built in-process, no server);
# the results are committed, and tests/sdk fails while they differ from the live document.
sdk: $(STAMP)
	$(BIN)/python sdk/typescript/scripts/openapi_document.py sdk/typescript/openapi.json
	cd sdk/typescript && { [ -d node_modules ] || npm ci; } && npm run --silent generate
	$(BIN)/python sdk/python/codegen.py
	$(BIN)/python sdk/csharp/generate.py

# The scenarios run after the rest: some hold transactions open on purpose, and the projectors'
# horizon is cluster-wide, so they would slow the projections of tests running beside them.
test: test-fast
	$(BIN)/python -m pytest -n 2 -q tests/scenarios

# The edit–test loop: everything but the scenarios and the bench (tests/scenarios).
test-fast: $(STAMP) tools
	$(BIN)/python -m pytest -n 2 -q --ignore=tests/scenarios

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The benchmark and the scenarios are development tooling, run from a checkout (not in the wheel).
bench: $(STAMP) tools
	$(BIN)/python -m bench

# One scenario: `make scenario NAME=double-spend` (QUICK=1 for a short run; NAME=all for every one).
scenario: $(STAMP) tools
	@[ -n "$(NAME)" ] || { echo "usage: make scenario NAME=<scenario|all> [QUICK=1]"; exit 2; }
	$(BIN)/python -m harness scenario $(NAME) $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) .gameledger .pytest_cache .mypy_cache .ruff_cache
