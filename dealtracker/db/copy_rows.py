"""Rows and their history (django-simple-history) written with COPY, for imports of
many rows at once (sources/bulk.py, the source archive's import).

An INSERT of a few thousand rows built by the ORM spends most of its time in Python
(compiling the statement, quoting every value); COPY sends the values as they are.
The row triggers (search vectors, passage labels and spans) run for COPY as for INSERT.
"""

from __future__ import annotations

import datetime
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.db.models.fields import NOT_PROVIDED

from .plain import is_plain

M = TypeVar("M", bound=Model)


def unsaved(model: type[M], **values: Any) -> M:
    """An unsaved instance, as model(**values) builds it, for rows built by the
    thousand (an archive import builds about fourteen per report).

    Model.__init__ goes through every field's descriptor and default and sends two
    signals: about a third of an import's Python time went there. Here the plan
    of each model (its fields, their defaults) is made once; values are given by
    field name, related objects as objects (their id taken, the object cached as
    the descriptor would). A model with pre_init or post_init receivers is built by
    its own __init__, as every model is on the plain path (DB_PLAIN=unsaved).
    """
    if (
        is_plain("unsaved")
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return model(**values)
    plan = _plans.get(model) or _plan(model)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    attrs = obj.__dict__
    used = 0
    for name, attname, target, default in plan:
        if name in values:
            value = values[name]
            used += 1
            if target is not None:  # a relation: given its object
                state.fields_cache[name] = value
                value = getattr(value, target) if value is not None else None
        else:
            value = default()
        attrs[attname] = value
    if used != len(values):
        unknown = sorted(values.keys() - {name for name, *_ in plan})
        raise TypeError(f"{model.__name__} has no field {', '.join(unknown)}")
    return obj


# Per field: name, attname, the attname of the field a relation points at, default.
_Plan = list[tuple[str, str, str | None, Callable[[], Any]]]
_plans: dict[type[Model], _Plan] = {}


def _plan(model: type[Model]) -> _Plan:
    plan: _Plan = []
    for f in model._meta.concrete_fields:
        default = f._get_default  # type: ignore[attr-defined]
        if f.has_default() and f.default is uuid.uuid4:
            default = _uuid4
        elif not f.has_default() and f.db_default is not NOT_PROVIDED:
            # One DatabaseDefault for every row: rows_insert leaves the column out.
            shared = default()
            default = lambda shared=shared: shared  # noqa: E731
        target = f.target_field.attname if f.is_relation else None  # type: ignore[attr-defined]
        plan.append((f.name, f.attname, target, default))
    _plans[model] = plan
    return plan


_random = threading.local()
_VERSION_4 = (0x8000 << 48) | (4 << 76)
_NOT_VERSION = ~(0xC000 << 48) & ~(0xF000 << 64)


def _uuid4() -> uuid.UUID:
    """uuid.uuid4(), its random bytes read 4 KB at a time: one call to the system per
    256 ids rather than one per id (a thread that calls it per id lets the other
    thread of an import run each time, and waits to get back)."""
    pool = getattr(_random, "pool", b"")
    if not pool:
        pool = os.urandom(4096)
    _random.pool = pool[16:]
    return uuid.UUID(int=(int.from_bytes(pool[:16]) & _NOT_VERSION) | _VERSION_4)


def rows_insert(model: type[Model], objs: Sequence[Model]) -> None:
    """Insert unsaved instances with COPY, giving each one without an id its id from
    the table's sequence (one with an id keeps it: see take_ids).

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
    fresh = iter(next_ids(model, sum(1 for obj in objs if obj.pk is None)))
    for obj in objs:
        values = obj.__dict__
        for f in relations:
            # Assigned before the object it points at was saved: take its id now (what
            # bulk_create's _prepare_related_fields_for_save does, the cache kept).
            if values.get(f.attname) is None:
                related = f.get_cached_value(obj, None)  # type: ignore[attr-defined]
                if related is not None:
                    values[f.attname] = related.pk
        if values[pk.attname] is None:
            values[pk.attname] = next(fresh)
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
    model: type[Model],
    objs: Sequence[Model],
    *,
    by,
    now: datetime.datetime,
    ids: bool | Sequence[int] = False,
) -> list[int]:
    """A '+' history record (django-simple-history) for each inserted instance, credited
    to `by`, as saving them one by one would write; their ids when asked for (ids=True:
    taken from the sequence here; a list: those, taken before with take_ids)."""
    if not objs:
        return []
    Historical = model.history.model  # type: ignore[attr-defined]
    tracked = list(Historical.tracked_fields)
    columns = [Historical._meta.get_field(f.name).column for f in tracked]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    record = [now, None, "+", by.pk if by is not None else None]
    record_ids = next_ids(Historical, len(objs)) if ids is True else list(ids or [])
    rows = _rows(tracked, objs)
    if record_ids:
        columns.append(Historical._meta.pk.column)
        rows = (row + record + [i] for row, i in zip(rows, record_ids, strict=True))
    else:
        rows = (row + record for row in rows)
    _copy(Historical._meta.db_table, columns, rows)
    return record_ids


def values_insert(
    model: type[Model],
    attnames: Sequence[str],
    rows: Sequence[Sequence],
    *,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Insert plain rows (the values of `attnames`, in order) with COPY, each given an
    id from the table's sequence (or from `ids`, taken before with take_ids), and
    return the ids in row order. For link rows made by the thousand, where building a
    model instance per row costs more than the row."""
    meta = model._meta
    assert meta.pk is not None
    column = {f.attname: f.column for f in meta.concrete_fields}
    ids = list(ids) if ids is not None else next_ids(model, len(rows))
    columns = [column[name] for name in attnames] + [meta.pk.column]
    _copy(meta.db_table, columns, ([*row, i] for row, i in zip(rows, ids, strict=True)))
    return ids


def next_ids(model: type[Model], n: int) -> list[int]:
    """n new ids from the sequence of the model's table, in increasing order."""
    return take_ids((model, n))[0]


def take_ids(*wanted: tuple[type[Model], int]) -> list[list[int]]:
    """For each (model, n), n new ids from the sequence of the model's table, in
    increasing order, all in one statement.

    A sequence stands outside transactions: ids taken on one connection are the
    rows' on any other, and are never given twice (an id taken and not used is a gap,
    as after a rolled-back insert). The archive import takes a batch's ids on the
    connection that checks it, so the one that writes it does not wait for them.
    """
    asked = [(model._meta, n) for model, n in wanted if n]
    ids: list[list[int]] = [[] for _ in wanted]
    if not asked:
        return ids
    # One array per sequence rather than n rows: a batch's 25,000 ids came back in 9 ms
    # as rows.
    arrays = ", ".join(
        "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        for _ in asked
    )
    params: list[Any] = []
    for meta, n in asked:
        assert meta.pk is not None
        params += [meta.db_table, meta.pk.column, n]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {arrays}", params)  # noqa: S608 — placeholders only
        got = iter(cursor.fetchone())
    for i, (_, n) in enumerate(wanted):
        if n:
            ids[i] = sorted(next(got))
    return ids


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
    prepared = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() not in _PLAIN_TYPES]
    for obj in objs:
        values = obj.__dict__
        row = [values[name] for name in names]
        for i, f in prepared:
            row[i] = f.get_db_prep_save(row[i], connection)
        yield row


def _copy(table: str, columns: list[str], rows: Iterable[list]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # psycopg's cursor itself (Django's wrapper has no copy()): its errors made Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
