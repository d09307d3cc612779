"""Fixtures for the trust tests: the small world of tests/trust/world.py."""

from __future__ import annotations

import pytest

from .world import build_world


@pytest.fixture
def world(db, editor):
    return build_world(by=editor)
