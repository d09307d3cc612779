"""Fixtures for the HTML and accessibility checks: one Nu HTML checker per session."""

from __future__ import annotations

import pytest

from . import vnu


@pytest.fixture(scope="session")
def html_checker():
    checker = vnu.start()
    yield checker
    vnu.stop(checker)
