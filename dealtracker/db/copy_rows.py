"""Rows and their history (django-simple-history) written with COPY, for imports of
many rows at once (sources/bulk.py, the source archive's import).

An INSERT of a few thousand rows built by the ORM spends most of its time in Python
(compiling the statement, quoting every value); COPY sends the values as they are.
The row triggers (search vectors, passage labels and spans) run for COPY as for INSERT.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault


def rows_insert(model: type[Model], objs: Sequence[Model]) -> None:
    """Insert unsaved instances with COPY, giving each its id from the table's sequence.

    Like bulk_create: auto_now(_add) fields are set, and foreign keys to instances
    saved before (by this function too) are taken from them; save() and signals are
    not called. Fields left at their database default are left out of the COPY.
    """
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    relations = [f for f in meta.concrete_fields if f.is_relation]
    for obj, new_id in zip(objs, next_ids(model, len(objs)), strict=True):
        values = obj.__dict__
        for f in relations:
            # Assigned before the object it points at was saved: take its id now (what
            # bulk_create's _prepare_related_fields_for_save does, the cache kept).
            if values.get(f.attname) is None:
                related = f.get_cached_value(obj, None)  # type: ignore[attr-defined]
                if related is not None:
                    values[f.attname] = related.pk
        values[pk.attname] = new_id
        obj._state.adding = False
        obj._state.db = connection.alias
    fields = [
        f
        for f in meta.concrete_fields
        if not isinstance(getattr(objs[0], f.attname), DatabaseDefault)
    ]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                f.pre_save(obj, add=True)
    _copy(meta.db_table, [f.column for f in fields], _rows(fields, objs))


def history_insert(
    model: type[Model], objs: Sequence[Model], *, by, now: datetime.datetime, ids: bool = False
) -> list[int]:
    """A '+' history record (django-simple-history) for each inserted instance, credited
    to `by`, as saving them one by one would write; their ids when asked for."""
    if not objs:
        return []
    Historical = model.history.model  # type: ignore[attr-defined]
    tracked = list(Historical.tracked_fields)
    columns = [Historical._meta.get_field(f.name).column for f in tracked]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    record = [now, None, "+", by.pk if by is not None else None]
    record_ids = next_ids(Historical, len(objs)) if ids else []
    rows = _rows(tracked, objs)
    if ids:
        columns.append(Historical._meta.pk.column)
        rows = (row + record + [i] for row, i in zip(rows, record_ids, strict=True))
    else:
        rows = (row + record for row in rows)
    _copy(Historical._meta.db_table, columns, rows)
    return record_ids


def values_insert(
    model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]
) -> list[int]:
    """Insert plain rows (the values of `attnames`, in order) with COPY, each given an
    id from the table's sequence, and return the ids in row order. For link rows made
    by the thousand, where building a model instance per row costs more than the row."""
    meta = model._meta
    assert meta.pk is not None
    column = {f.attname: f.column for f in meta.concrete_fields}
    ids = next_ids(model, len(rows))
    columns = [column[name] for name in attnames] + [meta.pk.column]
    _copy(meta.db_table, columns, ([*row, i] for row, i in zip(rows, ids, strict=True)))
    return ids


def next_ids(model: type[Model], n: int) -> list[int]:
    """n new ids from the sequence of the model's table, in increasing order."""
    meta = model._meta
    assert meta.pk is not None
    if n == 0:
        return []
    with connection.cursor() as cursor:
        # One array rather than n rows: a batch's 25,000 ids came back in 9 ms as rows.
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, n],
        )
        return sorted(cursor.fetchone()[0])


# Fields whose values psycopg sends as they are (str, int, bool, date and time, UUID,
# None); any other goes through get_db_prep_save, as the ORM would send it.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
    "UUIDField",
}


def _rows(fields: Sequence[Field], objs: Iterable[Model]) -> Iterator[list]:
    names = [f.attname for f in fields]
    if all(f.get_internal_type() in _PLAIN_TYPES for f in fields):
        for obj in objs:
            values = obj.__dict__
            yield [values[name] for name in names]
        return
    for obj in objs:
        values = obj.__dict__
        yield [
            values[f.attname]
            if f.get_internal_type() in _PLAIN_TYPES
            else f.get_db_prep_save(values[f.attname], connection)
            for f in fields
        ]


def _copy(table: str, columns: list[str], rows: Iterable[list]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # psycopg's cursor itself (Django's wrapper has no copy()): its errors made Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
