"""The distinct values of an indexed column by skipping through its index.

`SELECT DISTINCT language FROM sources_source` reads every row: its cost grows with
the archive although the answer (a handful of languages or outlets) does not. A
recursive query asks the index for the smallest value, then for the smallest one
above it, and so on: one index probe per distinct value (a "loose index scan",
which PostgreSQL does not plan by itself). The plain path (DB_PLAIN=distinct) is
the ORM's DISTINCT.
"""

from __future__ import annotations

from typing import cast

from django.db import connections, router
from django.db.models import Field, Model

from .plain import is_plain

_SKIP_SCAN = """
WITH RECURSIVE v(value) AS (
    (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
    UNION ALL
    SELECT (SELECT {column} FROM {table} WHERE {column} > v.value ORDER BY {column} LIMIT 1)
      FROM v WHERE v.value IS NOT NULL
)
SELECT value FROM v WHERE value IS NOT NULL
"""


def distinct_values(model: type[Model], field: str) -> list:
    """Every non-null value of `model.field`, in the column's order (it must be indexed)."""
    if is_plain("distinct"):
        return list(
            model._default_manager.exclude(**{f"{field}__isnull": True})
            .order_by(field)
            .values_list(field, flat=True)
            .distinct()
        )
    # The database the ORM would read from (a replica for the reading pages).
    connection = connections[router.db_for_read(model)]
    column = connection.ops.quote_name(cast(Field, model._meta.get_field(field)).column)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_SKIP_SCAN.format(column=column, table=table))
        return [value for (value,) in cursor.fetchall()]
