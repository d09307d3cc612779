"""Fixtures for the trust tests: the small world of tests/trust/world.py and quick hashing."""

from __future__ import annotations

import pytest

from .world import build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are created in many tests here; the production hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, editor):
    return build_world(by=editor)
