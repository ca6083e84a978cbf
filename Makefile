PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

.PHONY: bench bench-lineage
bench: bench-lineage

# Lineage accuracy on the peers' corpora, then speed beside the peers. Peers that pin
# their own sqlglot run from LOAM_BENCH_PEERS_PYTHON (see bench/bench_lineage.py).
bench-lineage: install
	$(BIN)/python bench/lineage_accuracy.py
	$(BIN)/python bench/bench_lineage.py
