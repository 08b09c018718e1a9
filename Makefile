# kechuang task runner — the one entry point for developers and CI (.ci/run calls `make check`).
#
#   make venv      runtime venv in $(VENV) (pinned by constraints.txt, editable install)
#   make dev       venv + the dev extra (pytest, ruff, mypy, import-linter …)
#   make demo      run `kechuang demo`
#   make sysdeps   install missing system packages (scripts/install-system-deps.sh)
#   make lint      ruff check, ruff format --check, mypy, lint-imports
#   make test      the test suite (PYTEST_ARGS="..." to pass options, PYTEST_WORKERS=2 for xdist)
#   make check     everything CI runs: sysdeps, dev, lint, full suite with coverage, no skips
#   make bench     import, standards, IP, credit and matching benchmarks
#   make bench-national / bench-api   national-scale indicators; API load (50 users, 60 s)
#   make clean     remove the venv and caches
#
# Never activate the venv; everything runs as $(VENV)/bin/<tool>.

PYTHON ?= python3
VENV ?= .venv
# pytest-xdist workers; 0 = serial (the default: on a 2-CPU runner serial is faster than -n 2).
# The database fixtures support xdist (each worker starts its own throwaway PostgreSQL cluster
# on its own free port): `make test PYTEST_WORKERS=2` / `PYTEST_WORKERS=auto`.
PYTEST_WORKERS ?= 0
PYTEST_ARGS ?=

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
CONSTRAINTS := constraints.txt
VENV_STAMP := $(VENV)/.kechuang-venv.stamp
DEV_STAMP := $(VENV)/.kechuang-dev.stamp

ifeq ($(PYTEST_WORKERS),0)
XDIST :=
else
XDIST := -n $(PYTEST_WORKERS)
endif

.PHONY: help venv dev demo sysdeps lint test check bench bench-national bench-api clean

help:
	@sed -n '3,12p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- environments

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"kechuang needs Python 3.11, $(PYTHON) is {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)

# Stamps: redo the install only when pyproject.toml or constraints.txt changed.
# (The dev install includes the runtime one, so it refreshes both stamps.)
$(VENV_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP) install --quiet -c $(CONSTRAINTS) pip
	$(PIP) install -c $(CONSTRAINTS) -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP) install --quiet -c $(CONSTRAINTS) pip
	$(PIP) install -c $(CONSTRAINTS) -e '.[dev,spark]'
	touch $(VENV_STAMP) $@

venv: $(VENV_STAMP)

dev: $(DEV_STAMP)

# the demo writes the report as PDF too: Chinese fonts (fonts-noto-cjk) when missing
demo: venv
	KECHUANG_SYSDEPS="fonts-cjk" bash scripts/install-system-deps.sh
	$(BIN)/kechuang demo

# every group the test suite needs: PostgreSQL, Debian's chromium (browser tests), CJK fonts (PDF),
# poppler-utils (tests read the PDF back)
SYSDEPS ?= postgres chromium fonts-cjk pdf-tools
sysdeps:
	KECHUANG_SYSDEPS="$(SYSDEPS)" bash scripts/install-system-deps.sh

# ---------------------------------------------------------------- quality gates

# every tool runs even if an earlier one fails, so one CI log shows all problems
lint: dev
	@status=0; \
	for cmd in "$(BIN)/ruff check ." "$(BIN)/ruff format --check ." "$(BIN)/mypy" "$(BIN)/lint-imports"; do \
		echo "+ $$cmd"; \
		$$cmd || { echo "lint: FAILED: $$cmd" >&2; status=1; }; \
	done; \
	exit $$status

test: dev
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The suite as CI runs it: PostgreSQL required (missing server = failure, not skip), every skip
# is a failure, slow tests included (-m ""), coverage (fail_under in pyproject.toml).
# pytest exit code 5 ("no tests collected") is a failure too.
check: sysdeps dev lint
	@echo "+ pytest (KECHUANG_REQUIRE_SERVICES=1 KECHUANG_NO_SKIP=1, coverage)"
	@rc=0; \
	KECHUANG_REQUIRE_SERVICES=1 KECHUANG_NO_SKIP=1 \
		$(BIN)/pytest $(XDIST) -m "" --cov=kechuang --cov-report=term $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "check: pytest collected no tests (exit 5) -- failing" >&2; exit 1; fi; \
	exit $$rc

bench: dev
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_standards.py
	$(BIN)/python benchmarks/bench_ip.py
	$(BIN)/python benchmarks/bench_credit.py
	$(BIN)/python benchmarks/bench_matching.py

# national-scale indicators: kechuang vs hand-written DuckDB SQL vs pandas (≈ 660 MB of Parquet)
NATIONAL_DATA ?= /tmp/kc-national
bench-national: dev
	$(BIN)/python benchmarks/bench_indicators.py --data $(NATIONAL_DATA)

# API load: 50 concurrent users for 60 s on loopback (self-check and dashboard endpoints)
bench-api: dev
	$(BIN)/python benchmarks/bench_api.py --users 50 --duration 60

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis htmlcov build dist
	rm -f .coverage .coverage.* coverage.xml
	rm -rf src/*.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
