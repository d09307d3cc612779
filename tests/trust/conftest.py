"""Fixtures for the trust tests: the small world of tests/trust/world.py and quick hashing."""

from __future__ import annotations

import pytest

from .world import build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are created in many tests here; the production hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _role_groups(request):
    """Transactional tests flush the database, role groups (made by a data migration)
    included: put them back first, as the migration made them."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from dealtracker.accounts.roles import group_permissions

    for name, permissions in group_permissions(Permission, ContentType).items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


@pytest.fixture
def world(db, editor):
    return build_world(by=editor)
