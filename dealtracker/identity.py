"""A stable identity for rows that have no name of their own.

Parties and deals are known by their slug, a clause by its deal and reference,
a revision by its source and number. Sources, passages, claims and the rows
hanging off them have no such name: their `uid` is it. It is made once, when
the row is made, never changes, and travels with the row in an archive
(`manage.py export_archive`), so the same claim is recognised in another
instance however its words were edited since — and an archive imported twice
adds nothing the second time.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.functions import RandomUUID
from django.db import models


def uid_field() -> models.UUIDField:
    # db_default: rows written outside the ORM (COPY by the archive generator) get one too.
    return models.UUIDField(
        default=uuid.uuid4,
        db_default=RandomUUID(),
        unique=True,
        editable=False,
        verbose_name="stable id",
        help_text="The row's identity across instances (archives); never changes.",
    )
