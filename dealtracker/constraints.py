"""Small helpers for the database constraints every domain app declares."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def in_vocabulary(field: str, choices: type[models.TextChoices], name: str, *, null: bool = False):
    """CHECK that a field holds one of its vocabulary's values (or NULL when allowed)."""
    condition = Q(**{f"{field}__in": choices.values})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=name)


def not_before(start: str, end: str, name: str):
    """CHECK that end is not before start when both are known."""
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": models.F(start)}),
        name=name,
    )
