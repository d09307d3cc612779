# dealtracker — `make run` serves the desk with the demo deal; `make test` runs the suite;
# `make help` lists every target. Each target's line ends with `## what it does`.
PYTHON ?= python3
# Where `make run` serves: loopback unless asked otherwise (make run PORT=8001 HOST=::1).
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECK_DB := postgresql://unused@127.0.0.1:9/unused

.DEFAULT_GOAL := help
.PHONY: help run test check lint typecheck format bench bench-import soak audit clean-db

help: ## list these targets
	@awk 'BEGIN { FS = ":[^#]*## " } /^[a-z][a-z-]*:.*## / { printf "make %-10s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "dealtracker needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Local settings for manage.py (DEBUG on, a secret key of this checkout), written once; see .env.example.
.env: | $(STAMP)
	$(BIN)/python -m dealtracker.localenv

run: $(STAMP) .env ## install, migrate, load the demo and serve http://HOST:PORT (127.0.0.1:8000) until Ctrl-C
	$(BIN)/python -m dealtracker.launcher serve --host '$(HOST)' --port '$(PORT)'

# One pytest-xdist worker per core, each with its own test database; PYTEST_ARGS="-n 0" runs one process.
test: $(STAMP) .env check ## install, run the static checks (make check), then the whole test suite in parallel (PYTEST_ARGS)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP) ## ruff: lint rules and formatting, nothing changed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# django-stubs' mypy plugin imports the settings: the placeholder DATABASE_URL keeps it from
# needing a database, as in `make check` below. Configuration: [tool.mypy] in pyproject.toml.
typecheck: $(STAMP) ## mypy with django-stubs over the modules [tool.mypy] in pyproject.toml lists
	DEBUG=true DATABASE_URL=$(CHECK_DB) $(BIN)/mypy

format: $(STAMP) ## ruff: fix what it can and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The migration and deploy checks read the code, not the data: a placeholder
# DATABASE_URL keeps manage.py from starting the embedded PostgreSQL.
check: lint typecheck ## make lint and make typecheck, missing migrations, check --deploy with production settings, make audit
	DEBUG=true DATABASE_URL=$(CHECK_DB) $(BIN)/python -W ignore::RuntimeWarning \
		manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-value-for-django \
		DATABASE_URL=$(CHECK_DB) ALLOWED_HOSTS=desk.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	./.ci/audit

audit: $(STAMP) ## known vulnerabilities in the installed dependencies (pip-audit; see .ci/audit)
	./.ci/audit

# See README "Benchmarks". Generates the large database once (a few minutes).
bench: $(STAMP) ## benchmark the pages on a small and a large database under gunicorn (BENCH_ARGS)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-import: $(STAMP) ## reports a second import_sources loads into the bench's large archive (IMPORT_ARGS)
	$(BIN)/python bench/import_rate.py $(IMPORT_ARGS)

# `make bench` also runs bench/soak.py against its large database.
soak: $(STAMP) ## simulated readers and editors against gunicorn on a fresh database (SOAK_SECONDS, 180)
	$(BIN)/python bench/soak.py

clean-db: ## stop the embedded PostgreSQL (unless in use) and delete .pgdata/ and .pgdata-test/
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m dealtracker.launcher stop .pgdata .pgdata-test; fi
	rm -rf .pgdata .pgdata.lock .pgdata.users.json .pgdata-test .pgdata-test.lock .pgdata-test.users.json
