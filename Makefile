# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## run: install, migrate the SQLite database, load the demo once, serve on 127.0.0.1:5000
run: $(STAMP)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load --if-empty
	@echo
	@cat instance/demo-logins.txt 2>/dev/null || true
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT) --debug

## test: install .[dev] and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
