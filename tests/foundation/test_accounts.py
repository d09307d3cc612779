"""`manage.py createuser --role ...`: a user in the role's group, with a password worth having."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


@pytest.mark.parametrize(
    ("role", "group", "staff"),
    [("reader", "Journalists", False), ("editor", "Editors", False), ("admin", "Admins", True)],
)
def test_createuser_puts_the_user_in_the_role_group(db, role, group, staff):
    out = StringIO()
    call_command(
        "createuser", "amira", "--role", role, "--password", "ceasefire-desk-2025", stdout=out
    )
    user = get_user_model().objects.get(username="amira")
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.is_staff is staff
    assert not user.is_superuser
    assert user.check_password("ceasefire-desk-2025")
    assert f"Created {role}" in out.getvalue()


@pytest.mark.parametrize("password", ["short", "password123", "12345678901"])
def test_createuser_refuses_a_weak_password(db, password):
    with pytest.raises(CommandError, match="Password refused"):
        call_command("createuser", "amira", "--role", "editor", "--password", password)
    assert not get_user_model().objects.filter(username="amira").exists()


def test_createuser_refuses_a_password_like_the_user_name(db):
    with pytest.raises(CommandError, match="too similar"):
        call_command(
            "createuser", "ceasefire-desk", "--role", "reader", "--password", "ceasefire-desk1"
        )


def test_createuser_refuses_a_second_user_with_the_same_name(db):
    call_command(
        "createuser",
        "amira",
        "--role",
        "editor",
        "--password",
        "ceasefire-desk-2025",
        stdout=StringIO(),
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", "amira", "--role", "admin", "--password", "ceasefire-desk-2025")


def test_createuser_refuses_an_unknown_role(db):
    with pytest.raises(CommandError):
        call_command("createuser", "amira", "--role", "owner", "--password", "ceasefire-desk-2025")


def test_an_editor_may_write_claims_but_not_deals(db):
    call_command(
        "createuser",
        "amira",
        "--role",
        "editor",
        "--password",
        "ceasefire-desk-2025",
        stdout=StringIO(),
    )
    user = get_user_model().objects.get(username="amira")
    assert user.has_perm("claims.change_claim")
    assert user.has_perm("sources.add_passage")
    assert not user.has_perm("deals.change_deal")
    assert not user.has_perm("auth.add_user")


def test_every_domain_model_is_viewable_by_readers_and_editable_by_admins(db):
    """Models added after the roles migration get their permissions too."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    readers = set(
        Group.objects.get(name="Journalists").permissions.values_list("codename", flat=True)
    )
    admins = set(Group.objects.get(name="Admins").permissions.values_list("codename", flat=True))
    for app_label in ("deals", "sources", "claims"):
        for model in apps.get_app_config(app_label).get_models():
            name = model._meta.model_name
            # A model added after accounts 0002 needs a migration like 0002 (see its docstring).
            assert f"view_{name}" in readers, f"Journalists cannot view {name}"
            assert {f"add_{name}", f"change_{name}", f"delete_{name}"} <= admins, (
                f"Admins cannot manage {name}"
            )
