"""Fixtures for the HTML and accessibility checks: one Nu HTML checker per session."""

from __future__ import annotations

import os

import pytest

from . import vnu


def pytest_collection_finish(session):
    """Start the checker's JVM as soon as the run is known to need it: it warms up
    while the test database is created. Not in a pytest-xdist worker: each worker collects
    every test but runs a share of them, so the one that gets the check starts its own."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any("html_checker" in getattr(item, "fixturenames", ()) for item in session.items):
        vnu.launch()


@pytest.fixture(scope="session")
def html_checker():
    checker = vnu.start()
    yield checker
    vnu.stop(checker)


def pytest_sessionfinish(session, exitstatus):
    """Stop a checker launched for tests that then did not run (deselected, skipped)."""
    vnu.shutdown()
