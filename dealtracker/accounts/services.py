from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from .roles import ROLE_GROUP, Role


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "", validate: bool = True):
    """Create a user in one role (reader, editor or admin). Admins are staff."""
    User = get_user_model()
    role = Role(role)
    user = User(username=username, email=email, is_staff=role == Role.ADMIN)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=ROLE_GROUP[role]))
    return user
