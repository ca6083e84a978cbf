# Loam: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
PORT ?= 8080
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
UI_DIST := src/loam/ui/dist/index.html
UI_SOURCES := $(shell find ui/src ui/public ui/index.html ui/vite.config.ts ui/tsconfig*.json -type f 2>/dev/null)

.PHONY: help install ui demo serve test lint typecheck unit bench clean
help:
	@echo "make demo   install, build the UI, build a demo workspace and serve it on http://$(HOST):$(PORT)"
	@echo "make test   install and run everything: lint, types, unit, integration and browser tests"
	@echo "make bench  run the benchmarks"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

ui: $(UI_DIST)

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(UI_DIST): ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npm run build

demo: install ui
	$(BIN)/loam demo --host $(HOST) --port $(PORT)

serve: install ui
	$(BIN)/loam up --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

test: install ui lint typecheck
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest -m "not integration and not browser"

# Peers measured beside Loam pin their own library versions, so they live in a venv of their own.
PEERS := .venv-peers
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q 'acryl-datahub[sql-parser]' sqllineage
	touch $@

bench: install $(PEERS)/.installed
	$(BIN)/python bench/lineage_accuracy.py
	@for f in bench/bench_*.py; do echo "== $$f"; LOAM_BENCH_PEERS_PYTHON=$(PEERS)/bin/python $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(PEERS) ui/node_modules src/loam/ui/dist .loam-demo test-artifacts
