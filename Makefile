# Two commands for a newcomer: `make run` and `make test`. Both install what they
# need (Python packages into .venv; as root, Debian's chromium and a CJK font for
# the browser tests, Virtuoso for the store tests and nginx for the front cache) and are safe to repeat.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-cached test bench install system-deps front-cache-deps validate stats clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# Browser tests drive Debian's chromium through playwright (never `playwright install`); the
# Virtuoso tests run Debian's virtuoso-t on a throwaway database; `kg serve --front-cache` runs Debian's
# nginx; the benchmarks (and their smoke test) load servers with Debian's wrk. Each missing package is installed.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi" || missing="$$missing fonts-wqy-microhei"; \
	command -v virtuoso-t >/dev/null 2>&1 || missing="$$missing virtuoso-opensource"; \
	test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx-light"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "need Debian packages$$missing: run 'sudo apt-get install$$missing'"; exit 1; fi

validate: install
	$(BIN)/kg validate

stats: install
	$(BIN)/kg stats

run: validate
	$(BIN)/kg stats
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

# The same service with an HTTP cache in front (nginx; api/front_cache.py): repeated GETs never reach Python.
front-cache-deps:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1 || { \
	if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	else echo "need Debian package nginx-light: run 'sudo apt-get install nginx-light'"; exit 1; fi; }

run-cached: validate front-cache-deps
	$(BIN)/kg stats
	$(BIN)/kg serve --front-cache --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/python -m pytest -q

# Not part of `make test`: writes bench/RESULTS.md and the README's headline table (25-40 min).
bench: $(BENCH_STAMP) system-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache tests/artifacts
