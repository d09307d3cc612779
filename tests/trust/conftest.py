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

    if not ContentType.objects.exists():
        # The flush took content types and permissions too: recreate them as migrate does
        # (by hand: the post_migrate handlers create nothing after the test runner's flush).
        from django.apps import apps

        ContentType.objects.clear_cache()
        for model in apps.get_models():
            meta = model._meta
            ct, _ = ContentType.objects.get_or_create(
                app_label=meta.app_label, model=meta.model_name
            )
            for action in meta.default_permissions:
                Permission.objects.get_or_create(
                    content_type=ct,
                    codename=f"{action}_{meta.model_name}",
                    defaults={"name": f"Can {action} {meta.verbose_name_raw}"[:255]},
                )
            for codename, name in meta.permissions:
                Permission.objects.get_or_create(
                    content_type=ct, codename=codename, defaults={"name": name}
                )
        ContentType.objects.clear_cache()
    for name, permissions in group_permissions(Permission, ContentType).items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


@pytest.fixture
def world(db, editor):
    return build_world(by=editor)
