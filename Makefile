# Two entry points: `make run` (a working server on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
# `make run PORT=8000` serves elsewhere; links then use that port too (unless BACKEND_URL is set).
PORT ?= 5000
export PORT
# pytest-xdist processes for `make test` (one per CPU); TEST_WORKERS=0 runs the tests in this process.
# Work stealing: an idle worker takes half of a busy one's queue, where the default scheduler left one
# worker idle for the last ~25 s while the other worked through the heavy tests sent to it early.
TEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test bench worker screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask init-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.dev-installed
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.dev-installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# Lighthouse for bench/lighthouse.py, the version pinned in bench/package-lock.json.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --silent
	touch $@

# Every benchmark, one table (needs PostgreSQL on 127.0.0.1:5432 or BENCH_DATABASE_URL, and root
# for the PostgreSQL-restart phase of bench/load.py; Lighthouse needs node, npm and chromium).
bench: $(VENV)/.bench-installed bench/node_modules/.installed
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Every page of a seeded demo at 1366×900 and 390×844 into screenshots/ (Playwright + Debian's chromium).
screenshots: $(VENV)/.dev-installed
	$(BIN)/python tools/screenshots.py

worker: $(VENV)/.installed
	$(BIN)/flask outbox worker

# Removes what installing, testing and benchmarking create; keeps instance/ (database, secret key, uploads).
clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-results bench/results bench/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
