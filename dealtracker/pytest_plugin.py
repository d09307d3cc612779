"""pytest plugin: a database for the tests before Django reads its settings.

With DATABASE_URL unset, an embedded PostgreSQL 18 is started in
`.pgdata-test/` (or adopted, when a killed run left it running) and stopped when
the run ends (dealtracker/launcher.py); with it set, that server is used.
Loaded with `-p dealtracker.pytest_plugin` from pyproject's addopts.

Under pytest-xdist (`make test` runs `pytest -n auto`) the controlling process claims
the server and sets DATABASE_URL before it starts the workers, which inherit it: every
worker uses that one server, with a test database of its own (`test_<name>_gw0`, ...),
and only the controller stops the server.
"""

from __future__ import annotations

import os

import pytest

from dealtracker.launcher import BASE_DIR, ensure_database_url

# Settings for tests: production defaults, but plain HTTP on the test client.
_TEST_ENV = {
    "SECRET_KEY": "test-secret-key-not-for-production-use-0123456789abcdef",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "STATIC_PLAIN": "true",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SITE_URL": "http://testserver",
    # Production cuts a statement off at 15 s. On a loaded machine a test's query can take
    # that long without anything being wrong, and the query-bound tests must fail on their
    # query count, never on the clock; the tests of the timeout itself set their own.
    "DB_STATEMENT_TIMEOUT_MS": "120000",
    # Every statement compiled once is compiled afresh too, and compared
    # (dealtracker/db/statements.py): a key that misses a shape fails its page's tests.
    "DB_STATEMENTS_CHECKED": "true",
}
# Never the checkout's local .env (DEBUG on, for `make run`): the tests' settings are their own.
_FORCED_ENV = {"ENV_FILE": ""}


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # A wrapper runs before pytest-django's own (tryfirst) hook reads settings.
    for name, value in _TEST_ENV.items():
        os.environ.setdefault(name, value)
    os.environ.update(_FORCED_ENV)
    ensure_database_url(
        data_dir=BASE_DIR / ".pgdata-test", purpose="pytest", signals_interrupt=True
    )
    return (yield)
