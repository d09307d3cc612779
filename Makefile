# dealtracker — `make run` serves the desk with the demo deal; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECK_DB := postgresql://unused@127.0.0.1:9/unused

.PHONY: run test check lint format bench soak audit clean-db help

help:
	@echo "make run    - install, migrate, load the demo and serve http://127.0.0.1:8000"
	@echo "make test   - install and run the static checks and the whole test suite"
	@echo "make bench  - benchmark the pages on a small and a large database"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "dealtracker needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m dealtracker.launcher serve

# The migration and deploy checks read the code, not the data: a placeholder
# DATABASE_URL keeps manage.py from starting (and leaving running) the embedded PostgreSQL.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true DATABASE_URL=$(CHECK_DB) $(BIN)/python -W ignore::RuntimeWarning \
		manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-value-for-django \
		DATABASE_URL=$(CHECK_DB) ALLOWED_HOSTS=desk.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	./.ci/audit

test: $(STAMP) check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Pages on a small and a large database under gunicorn with production settings;
# see README "Benchmarks". Generates the large database once (a few minutes).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-db:
	rm -rf .pgdata .pgdata-test

# Known vulnerabilities in the installed dependencies (also part of `check`); see .ci/audit.
audit: $(STAMP)
	./.ci/audit

# Simulated readers and editors against gunicorn on a fresh database (SOAK_SECONDS, default 180);
# `make bench` also runs bench/soak.py against its large database.
soak: $(STAMP)
	$(BIN)/python bench/soak.py
