"""Many rows updated to values of their own: one UPDATE ... FROM (VALUES ...) per chunk.

Django's bulk_update builds a CASE WHEN per field and row, which costs seconds
of CPU for a few hundred rows; this is one parameterised statement per chunk.
Each row gets all its new values at once in both, so CHECK constraints and
triggers see a consistent row, and only the columns named are set (a BEFORE
UPDATE OF trigger on another column does not fire).

Pays: re-anchoring a 500-passage source after a one-word correction (`make
bench`, the "re-anchoring" line: under 5% of 100 reloads of its page). Plain
path (DB_PLAIN=values_update): QuerySet.bulk_update.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): re-anchoring
216 ms fast, 313 ms plain (only this trick is on that path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django.db import connection
from django.db.models import Field, Model

from .plain import is_plain

# Rows per statement: well under PostgreSQL's 65,535 parameters for a dozen columns.
CHUNK = 2000


def values_update(
    model: type[Model], rows: Sequence[Model], fields: Sequence[tuple[str, str]]
) -> None:
    """Write each row's values of `fields` ((attribute name, SQL type) pairs) to its table row."""
    if not rows:
        return
    if is_plain("values_update"):
        model._default_manager.bulk_update(rows, [name for name, _ in fields], batch_size=CHUNK)
        return
    for at in range(0, len(rows), CHUNK):
        _update_chunk(model, rows[at : at + CHUNK], fields)


def _update_chunk(
    model: type[Model], rows: Sequence[Model], fields: Sequence[tuple[str, str]]
) -> None:
    opts = model._meta
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    pk = _column(opts.pk)
    columns = [_column(opts.get_field(name)) for name, _ in fields]
    row = "(%s::bigint, " + ", ".join(f"%s::{sql_type}" for _, sql_type in fields) + ")"
    names = ", ".join(quote(c) for c in [pk, *columns])
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    params: list = []
    for obj in rows:
        params.append(obj.pk)
        params.extend(getattr(obj, name) for name, _ in fields)
    # Only names from the model's metadata, SQL type names given by the caller
    # and placeholders are formatted in.
    sql = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(rows))}) AS v({names}) "
        f"WHERE t.{quote(pk)} = v.{quote(pk)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _column(field: object) -> str:
    # The fields named here are concrete columns (get_field's type also admits relations).
    return cast(Field, field).column
