# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist); WORKERS=0 runs the suite in one process. Three on
# two cores: many tests wait (on a browser, a subprocess, a mail server), so two
# processes left the cores a third idle. worksteal: a process that runs out of
# tests takes some of another's, so a few long tests do not keep one busy alone.
WORKERS ?= 3

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## run: install, migrate the SQLite database, load the demo once, serve on 127.0.0.1:5000
## (`make run PORT=5065` serves on another port; links in emails follow it)
run: $(STAMP)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load --if-empty > /dev/null
	@echo
	@cat instance/demo-logins.txt 2>/dev/null || true
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@echo "Scheduler running beside it (log: instance/scheduler.log)"
	@# One scheduler process outside the web server, so the debug reloader
	@# never starts a second one; it stops with the server. Links in emails
	@# point at this server unless TRACKER_PUBLIC_URL is set in the environment.
	@export TRACKER_PUBLIC_URL="$${TRACKER_PUBLIC_URL:-http://$(HOST):$(PORT)}"; \
	$(BIN)/flask --app app scheduler run > instance/scheduler.log 2>&1 & sched=$$!; \
	trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT) --debug

## test: install .[dev] and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) $(if $(filter 0,$(WORKERS)),,--dist worksteal)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# PostgreSQL server for `make bench`: it creates <name>_1x and <name>_4x there and drops them after.
BENCH_POSTGRESQL ?= postgresql://postgres@127.0.0.1:5432/tracker_bench

## bench: generate the organisation at 1x and 4x on SQLite and PostgreSQL, measure every page and the
## mail jobs, print the table and put it in README.md (not part of test; about an hour on 2 cores)
bench: $(STAMP)
	$(BIN)/python -m bench.all --postgresql $(BENCH_POSTGRESQL) --update-readme
