"""Statements compiled once: a hot query's SQL made by the ORM on its first run in a
process, then sent again with each request's values (the trick "compiled").

Once its queries were planned once per connection (prepared.py), the time a cold page
spends on SQL was mostly Django writing it: 25-40 % of a deal, clause or party page
in-process on the scale-1 archive, up to 1.5 ms for a claim-row query whose text never
changes from one request to the next, only its values do. Here a query is named and
written as a function of its values; the first run builds it with stand-in values
(_stand_in: numbers, words and days no request sends), compiles it, and notes which parameter of the SQL is which value; every
later run takes a copy of that queryset whose compiler hands back the same SQL with
the new values, and the compiler's column list and row layout, made once, for
turning rows into objects.

What keeps it from sending a wrong statement:
- Only values travel: a stand-in that does not come out as a parameter of its own
  (written into the text, or changed on the way: `%word%` for icontains) is refused
  on the first run. Anything that changes the SQL's shape (None, a list's length, a
  user who sees drafts or not) is part of the key, never a value.
- Only the queryset returned is compiled from memory: any copy of it (a slice,
  .count(), .filter(), a subquery) is an ordinary query again, compiled as usual.
- With settings.DB_STATEMENTS_CHECKED (on in the test suite), every run also builds
  the query from its real values and compiles it, and a statement that differs from
  the one remembered raises StatementMismatch: the whole suite checks every key.

Prefetches (compiled_prefetch): Django reads a relation for a page's rows with
`… WHERE claim_id IN (%s, %s, …)`, a statement new for each number of rows, compiled
on every page (the evidence of a clause's claims: a third of what its page compiles).
A Prefetch from compiled_prefetch() sends the ids as one array (`claim_id = ANY(%s)`,
db/any_of.py), so its SQL is the same whatever the rows, compiled once per key.

Plain path (DB_PLAIN=compiled): the function is called with the values, and the
queryset compiled as usual; a compiled prefetch is Django's own.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import ColPairs  # type: ignore[attr-defined]  # new in 5.2
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.fields.tuple_lookups import TupleIn  # type: ignore[import-untyped]
from django.db.models.sql.query import Query
from psycopg.types.numeric import Int2, Int4, Int8

from .any_of import _AnyOfValues
from .plain import is_plain

Q = TypeVar("Q", bound=QuerySet)


class StatementMismatch(AssertionError):
    """A statement compiled once is not what the ORM writes for these values."""


class UncompilableValue(ValueError):
    """A value does not reach the SQL as a parameter of its own, so it cannot be swapped."""


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: Any
    sql: str
    # Per parameter of the SQL: (True, value name) or (False, the constant it always is).
    slots: tuple[tuple[bool, Any], ...]
    # Per parameter: the type Django gave the value when it is not the value's own
    # (psycopg's Int2 for a small integer column), else None.
    wrappers: tuple[type | None, ...] = ()

    def params(self, values: dict[str, Any]) -> tuple[Any, ...]:
        params = tuple(values[slot] if is_value else slot for is_value, slot in self.slots)
        if not any(self.wrappers):
            return params
        return tuple(
            _wrapped(wrap, param) if wrap is not None and is_value else param
            for param, wrap, (is_value, _) in zip(params, self.wrappers, self.slots, strict=True)
        )


# What psycopg's integer wrappers hold (Django gives a small integer column's value as Int2).
_WRAPPER_BOUNDS: dict[type, int] = {Int2: 2**15, Int4: 2**31, Int8: 2**63}


def _wrapped(wrap: type, value: Any) -> Any:
    bound = _WRAPPER_BOUNDS.get(wrap)
    if bound is not None and not -bound <= value < bound:
        # More than the column's type holds (a phase numbered 10**20 in an address):
        # sent as a plain number, which psycopg sends as a numeric and no row equals, as
        # Django's own range check finds before it sends nothing.
        return value
    return wrap(value)


@dataclass(frozen=True)
class _Run:
    """One run of a statement: what the compiler sends, and how to build it afresh."""

    entry: _Compiled
    params: tuple[Any, ...]
    key: Hashable
    build: Callable[..., QuerySet]
    values: dict[str, Any]

    def queryset(self) -> QuerySet:
        return self.build(**self.values)


_compiled: dict[Hashable, _Compiled] = {}
# A key may hold a number (a limit, a page's rows): past this many statements a process
# compiles as usual rather than keep more. Each keeps its queryset and compiler, about
# 55 KB (the reading pages, each with its second page, made 35 statements, 2 MB): at most 11 MB a
# worker, which stays under its 150 MB.
MAX_STATEMENTS = 200
# A list's pages are compiled once each up to this row (ten pages of 25); further
# pages, read less and unbounded in number, are compiled as usual.
COMPILED_ROWS = 250


def compiled(key: Hashable, build: Callable[..., Q], **values: Any) -> Q:
    """build(**values), its SQL compiled once per process for this key.

    `key` names the statement and everything that shapes its SQL besides `values`;
    `build` must give the same SQL for any values of the same key, those values
    appearing only as parameters (ints, strings, dates, lists of ids given to
    any_of_values). Iterate the queryset returned as it is: a copy of it (sliced,
    filtered, counted) is built again from the values and compiled as usual."""
    if is_plain("compiled"):
        return build(**values)
    entry = _compiled.get(key)
    if entry is None:
        if len(_compiled) >= MAX_STATEMENTS:
            return build(**values)
        entry = _compiled[key] = _compile(build, values)
    rows = entry.queryset.all()
    query = rows.query
    query.__class__ = _CompiledQuery
    query.__dict__["_run"] = _Run(entry, entry.params(values), key, build, values)
    if settings.DB_STATEMENTS_CHECKED:
        _check(key, entry, build, values, rows.db)
    return cast(Q, rows)


def compiled_then(
    key: Hashable,
    build: Callable[..., QuerySet],
    then: Callable[[QuerySet], QuerySet],
    **values: Any,
) -> QuerySet:
    """then(build(**values)), compiled once per key and `then`: rows one query filters,
    given what a reader of them needs joined (the list, its CSV and the API each their
    own). `then` must be a module-level function: its name is part of the key."""
    return compiled(
        (key, f"{then.__module__}.{then.__qualname__}"), partial(_then, build, then), **values
    )


def compiled_get(key: Hashable, build: Callable[..., QuerySet], **values: Any) -> Any:
    """The one row of build(**values), compiled once as by compiled(), raising what
    QuerySet.get() raises: the model's DoesNotExist when there is none,
    MultipleObjectsReturned when there are more."""
    queryset = compiled(("get", key), lambda **given: build(**given)[:2], **values)
    rows = list(queryset)
    if len(rows) == 1:
        return rows[0]
    name = queryset.model._meta.object_name
    if not rows:
        raise queryset.model.DoesNotExist(f"{name} matching query does not exist.")
    raise queryset.model.MultipleObjectsReturned(f"get() returned more than one {name}.")


def compiled_first(key: Hashable, build: Callable[..., QuerySet], **values: Any) -> Any:
    """The first row of build(**values) in its order, or None (QuerySet.first() for an
    ordered query), compiled once as by compiled()."""
    queryset = compiled(("first", key), lambda **given: build(**given)[:1], **values)
    return next(iter(queryset), None)


def compiled_slice(rows: Any, window: slice) -> Any:
    """rows[window] (a queryset or a list), compiled once per window when `rows` came
    from compiled()."""
    run = _run_of(rows)
    if run is None or window.start >= COMPILED_ROWS:
        return rows[window]
    return compiled(
        (run.key, "slice", window.start, window.stop),
        partial(_slice, run.build, window),
        **run.values,
    )


def compiled_page(rows: QuerySet, keys: QuerySet, window: slice) -> QuerySet:
    """The rows whose keys are keys[window] (rows.filter(pk__in=…)): a list's page whose
    per-row annotations only its own rows compute. Compiled once per window when both
    came from compiled() with the same values."""
    run, keys_run = _run_of(rows), _run_of(keys)
    if (
        run is None
        or keys_run is None
        or window.start >= COMPILED_ROWS
        or any(run.values[n] != keys_run.values[n] for n in run.values.keys() & keys_run.values)
    ):
        return rows.filter(pk__in=keys.values("pk")[window])
    return compiled(
        (run.key, keys_run.key, "page", window.start, window.stop),
        partial(
            _page, run.build, tuple(run.values), keys_run.build, tuple(keys_run.values), window
        ),
        **run.values,
        **{name: value for name, value in keys_run.values.items() if name not in run.values},
    )


def compiled_derived(
    rows: Any, key: Hashable, derive: Callable[..., QuerySet], **values: Any
) -> Any:
    """derive(rows, **values): a page of rows past a position, say. Compiled once per
    key when `rows` came from compiled(); `derive` must be a module-level function (or
    a partial of one whose arguments `key` holds) and its `values` only parameters."""
    run = _run_of(rows)
    if run is None or values.keys() & run.values.keys():
        return derive(rows, **values)
    return compiled(
        (run.key, "derived", key),
        partial(_derived, run.build, tuple(run.values), derive),
        **run.values,
        **values,
    )


def compiled_count(rows: Any, *, cap: int) -> int | None:
    """How many of rows' first cap + 1 rows there are (a list's capped count), its
    statement compiled once when `rows` came from compiled(); None when it did not
    (count it as usual). Only the rows' keys are read, in no order."""
    run = _run_of(rows)
    if run is None:
        return None
    keys = compiled((run.key, "count", cap), partial(_keys, run.build, cap), **run.values)
    keys_run = _run_of(keys)
    if keys_run is None:  # the process keeps MAX_STATEMENTS already
        return None
    with connections[keys.db].cursor() as cursor:
        # The inner SQL is the ORM's own; the request's values travel as parameters.
        sql = f"SELECT count(*) FROM ({keys_run.entry.sql}) counted"  # noqa: S608
        cursor.execute(sql, keys_run.params)
        return cursor.fetchone()[0]


def _run_of(rows: Any) -> _Run | None:
    query = getattr(rows, "query", None)
    return query.__dict__.get("_run") if query is not None else None


def _then(build: Callable[..., QuerySet], then: Callable[[QuerySet], QuerySet], **values: Any):
    return then(build(**values))


def _slice(build: Callable[..., QuerySet], window: slice, **values: Any) -> QuerySet:
    return build(**values)[window]


def _derived(
    build: Callable[..., QuerySet],
    names: tuple[str, ...],
    derive: Callable[..., QuerySet],
    **values: Any,
) -> QuerySet:
    rows = build(**{name: values[name] for name in names})
    return derive(rows, **{name: value for name, value in values.items() if name not in names})


def _keys(build: Callable[..., QuerySet], cap: int, **values: Any) -> QuerySet:
    return build(**values).order_by().values("pk")[: cap + 1]


def _page(
    build: Callable[..., QuerySet],
    names: tuple[str, ...],
    build_keys: Callable[..., QuerySet],
    key_names: tuple[str, ...],
    window: slice,
    **values: Any,
) -> QuerySet:
    keys = build_keys(**{name: values[name] for name in key_names}).values("pk")[window]
    return build(**{name: values[name] for name in names}).filter(pk__in=keys)


def _compile(build: Callable[..., QuerySet], values: dict[str, Any]) -> _Compiled:
    stand_ins = {name: _stand_in(name, value, n) for n, (name, value) in enumerate(values.items())}
    rows = build(**stand_ins)
    compiler = rows.query.get_compiler(rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # A number a column cannot hold matches nothing, and Django writes no SQL for
        # it: a small positive integer column (a phase's order). Stand-ins it can hold.
        stand_ins = {
            name: _SENTINEL_SMALL - n if type(value) is int else value
            for n, (name, value) in enumerate(stand_ins.items())
        }
        rows = build(**stand_ins)
        compiler = rows.query.get_compiler(rows.db)
        sql, params = compiler.as_sql()
    names = {_marker(value): name for name, value in stand_ins.items()}
    slots = tuple(
        (True, names[_marker(param)]) if _marker(param) in names else (False, param)
        for param in params
    )
    wrappers = tuple(
        type(param) if is_value and type(param) is not type(stand_ins[slot]) else None
        for param, (is_value, slot) in zip(params, slots, strict=True)
    )
    found = {slot for is_value, slot in slots if is_value}
    for name, value in stand_ins.items():
        if name not in found or str(value) in sql:
            raise UncompilableValue(
                f"{name!r} is not a parameter of its own in the SQL: make it part of the key"
            )
    if getattr(rows, "_known_related_objects", None):
        raise UncompilableValue("rows given a related object (a related manager's): not compilable")
    # The rows' prefetches run later as ordinary queries, from this queryset's copies:
    # a stand-in in one of them would be sent as it is.
    for lookup in getattr(rows, "_prefetch_related_lookups", ()):
        prefetch = getattr(lookup, "queryset", None)
        if prefetch is not None:
            _, prefetch_params = prefetch.query.get_compiler(rows.db).as_sql()
            if any(_marker(param) in names for param in prefetch_params):
                raise UncompilableValue("a value reaches a prefetch's queryset: not compilable")
    return _Compiled(queryset=rows, compiler=compiler, sql=sql, slots=slots, wrappers=wrappers)


def _check(key, entry: _Compiled, build, values: dict[str, Any], using: str) -> None:
    expected = build(**values).query.get_compiler(using)
    _same_statement(key, (entry.sql, entry.params(values)), expected)


def _same_statement(key, got: tuple[str, tuple], expected) -> None:
    """Raise StatementMismatch when `got` is not what the compiler `expected` writes."""
    try:
        sql, params = expected.as_sql()
    except EmptyResultSet:
        # The ORM would send nothing: a value no row can hold (see _wrapped), which the
        # statement sent matches no row with either.
        return
    if (sql, tuple(params)) != got:
        raise StatementMismatch(f"statement {key!r}: compiled once {got!r}, now {(sql, params)!r}")


def _reused(compiler, query: Query, connection, sql: str, params: tuple) -> Any:
    """A copy of a remembered compiler for `query`, sending `sql` with `params`; its
    column list and row layout are the remembered ones."""
    reused = copy.copy(compiler)
    reused.query = query
    reused.connection = connection
    reused.using = connection.alias
    reused.as_sql = lambda *args, **kwargs: (sql, params)
    return reused


# Stand-ins: values no page sends, within every column's range (Django refuses an
# integer a column cannot hold before it writes any SQL).
_SENTINEL_INT = -1_987_654_000
# For the columns that refuse it: within a positive smallint, and no count or limit
# a query writes as a constant.
_SENTINEL_SMALL = 32_109
_SENTINEL_DATE = dt.date(1, 2, 3)


def _stand_in(name: str, value: Any, n: int) -> Any:
    if isinstance(value, bool) or value is None:
        raise UncompilableValue(f"{name!r} is {value!r}: it shapes the SQL, put it in the key")
    if isinstance(value, int):
        return _SENTINEL_INT - n
    if isinstance(value, str):
        return f"\x1fstatement value {n}\x1f"
    if isinstance(value, dt.datetime):
        return dt.datetime(1, 2, 3, 4, 5, n % 60, tzinfo=value.tzinfo)
    if isinstance(value, dt.date):
        return _SENTINEL_DATE + dt.timedelta(days=n)
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        # A list of ids travels as one array (db/any_of.py any_of_values): known by identity.
        return _StandInList([_SENTINEL_INT - n])
    raise UncompilableValue(f"{name!r}: no stand-in for a {type(value).__name__}")


class _StandInList(list):
    """A stand-in list: equal to itself alone, so it is found among the parameters."""

    def __hash__(self) -> int:  # type: ignore[override]  # a list has none
        return id(self)

    def __eq__(self, other: object) -> bool:
        return other is self


def _marker(value: Any) -> Hashable:
    # A stand-in is known by its type and value: 1 and True, 0 and 0.0 are not the same;
    # an integer Django wrapped for its column (psycopg's Int2) is the integer.
    try:
        hash(value)
    except TypeError:  # a list or an array: never a stand-in
        return (type(value), id(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return (int, value)
    return (type(value), value)


class _CompiledQuery(Query):
    """The query of a queryset from compiled(): its compiler is the remembered one."""

    _run: _Run | None = None

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        run = self.__dict__.get("_run")
        if run is None:
            return super().get_compiler(using, connection, elide_empty)
        connection = connection if connection is not None else connections[using]
        return _reused(run.entry.compiler, self, connection, run.entry.sql, run.params)

    def clone(self):
        # A copy may be changed (sliced, counted, filtered): it is an ordinary query, and
        # this one holds the stand-in values: the copy is built from the run's own.
        run = self.__dict__.get("_run")
        if run is None:
            obj = super().clone()
            obj.__class__ = Query
            return obj
        return run.queryset().query.clone()


def compiled_prefetch(
    key: Hashable, lookup: str, queryset: QuerySet, *, to_attr: str | None = None
) -> Prefetch:
    """Prefetch(lookup, queryset, to_attr) whose statement is compiled once per key
    (and database): the related rows of any number of objects in one statement,
    `column = ANY(%s)` with their ids as one array. `queryset` must be the same query
    for a key and take no value of its own (refused on its first run: such a value
    would be sent again as it is); its own prefetches run as usual."""
    if queryset.query.is_sliced:
        raise UncompilableValue(f"prefetch {key!r}: a sliced queryset is not compilable")
    # Through Any: django-stubs' plugin fails on a Prefetch subclass's constructor.
    return cast(Any, _CompiledPrefetch)(key, lookup, queryset, to_attr)


class _CompiledPrefetch(Prefetch):
    def __init__(self, key: Hashable, lookup: str, queryset: QuerySet, to_attr: str | None):
        super().__init__(lookup, queryset=queryset, to_attr=to_attr)
        self.statement_key = ("prefetch", key)

    def get_current_querysets(self, level):
        querysets = super().get_current_querysets(level)
        if not querysets or is_plain("compiled"):
            return querysets
        rows = querysets[0]._chain()
        rows.query.__class__ = _PrefetchQuery
        rows.query.__dict__["_statement_key"] = self.statement_key
        return [rows]


def _ids_filter(query: Query) -> tuple[int, Any, list] | None:
    """Where the relation's filter Django added sits among the query's conditions: its
    position, its column and its ids; None when it is not a list of ids on one column."""
    found = None
    for index, child in enumerate(query.where.children):
        if isinstance(child, RelatedIn) and child.rhs_is_direct_value():
            column, ids = child.lhs, list(child.rhs)
        elif (
            isinstance(child, TupleIn)
            and isinstance(child.lhs, ColPairs)
            and len(child.lhs) == 1
            and child.rhs_is_direct_value()
        ):
            column, ids = child.lhs.get_cols()[0], [value[0] for value in child.rhs]
        else:
            continue
        if found is not None:  # two lists: which one is the relation's is not known
            return None
        found = (index, column, ids)
    if found is None or query.where.connector != "AND" or query.where.negated:
        return None
    index, column, ids = found
    # As IN does: no NULL, each id once, in order.
    ids = list(dict.fromkeys(value for value in ids if value is not None))
    if not all(type(value) is int for value in ids):
        return None
    return index, column, ids  # no ids at all: the rows have none of the relation


def _reads_rows(query: Query) -> bool:
    """Whether the query reads the model's rows, as a prefetch does. A copy made for a
    count, an exists() or a subquery changes its select, limits or role: it is compiled
    as usual, never sent as the rows' statement."""
    return bool(
        query.default_cols
        and not query.select
        and not query.annotations
        and not query.is_sliced
        and not query.subquery
        and not query.combinator
        and not query.distinct
    )


def _with_ids(query: Query, index: int, column: Any, ids: list) -> Query:
    """A copy of the query whose relation filter is `column = ANY(ids)`."""
    rewritten = Query.clone(query)
    rewritten.__class__ = Query
    # An expression among the conditions, as Django's own filters put them.
    rewritten.where.children[index] = _AnyOfValues(column, ids)  # type: ignore[call-overload]
    return rewritten


class _PrefetchQuery(Query):
    """The query of a compiled prefetch: Django adds `<relation> IN (ids)` to it, and its
    compiler sends the statement compiled once for the key with the ids as one array."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        key = self.__dict__.get("_statement_key")
        found = _ids_filter(self) if key is not None and _reads_rows(self) else None
        if found is None:
            return super().get_compiler(using, connection, elide_empty)
        index, column, ids = found
        if not ids:
            # None of the objects has the relation (no claim of the page on a phase):
            # Django's `IN ()` matches nothing and sends no query, found only once it has
            # compiled the rest of the statement. Nothing to compile, nothing to send.
            compiler = super().get_compiler(using, connection, elide_empty)
            # What a model's rows are read with (ModelIterable), for no rows and no columns.
            compiler.select, compiler.col_count, compiler.annotation_col_map = [], 0, {}
            compiler.klass_info = {"model": self.model, "select_fields": [0]}
            compiler.as_sql = _matches_nothing
            return compiler
        connection = connection if connection is not None else connections[using]
        # The key names the prefetch; what Django made of it here (the tables joined, the
        # extra columns of a many-to-many, the column the ids are of) is in the key too,
        # so a key given to two relations, or a query reaching here another way, is two
        # statements, never one sent for the other.
        shape = (
            tuple(self.alias_map),
            tuple(self.extra_select),
            len(self.where.children),
            column.alias,
            column.target.column,
        )
        full_key = (key, connection.alias, index, shape)
        entry = _compiled.get(full_key)
        if entry is None:
            if len(_compiled) >= MAX_STATEMENTS:
                return _with_ids(self, index, column, ids).get_compiler(
                    using, connection, elide_empty
                )
            entry = _compiled[full_key] = _compile_prefetch(self, index, column, connection)
        params = entry.params({"ids": ids})
        if settings.DB_STATEMENTS_CHECKED:
            expected = _with_ids(self, index, column, ids).get_compiler(connection=connection)
            _same_statement(key, (entry.sql, params), expected)
        return _reused(entry.compiler, self, connection, entry.sql, params)


def _matches_nothing(*args: Any, **kwargs: Any) -> tuple[str, list]:
    raise EmptyResultSet


def _compile_prefetch(query: Query, index: int, column: Any, connection) -> _Compiled:
    stand_in = _StandInList([_SENTINEL_INT])
    rewritten = _with_ids(query, index, column, stand_in)
    compiler = rewritten.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if len(params) != 1 or params[0] is not stand_in:
        raise UncompilableValue(
            "a compiled prefetch's queryset takes values of its own: make it an ordinary Prefetch"
        )
    rows: QuerySet = QuerySet(model=rewritten.model, query=rewritten)
    return _Compiled(queryset=rows, compiler=compiler, sql=sql, slots=((True, "ids"),))


def forget() -> None:
    """Drop every statement compiled."""
    _compiled.clear()


def _forget(*, setting: str, **kwargs) -> None:
    # The other tricks' switches shape the SQL (shared_parent joins a table or not):
    # override_settings and pytest-django's settings fixture change them at run time.
    if setting == "DB_PLAIN":
        forget()


setting_changed.connect(_forget, dispatch_uid="dealtracker.db.statements")
