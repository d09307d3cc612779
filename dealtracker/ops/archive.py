"""The full-fidelity archive: everything the desk holds, as JSON Lines, to move an
instance's work into another one.

`manage.py export_archive` writes it, `manage.py import_archive` reads it. An
archive imported into an empty database gives back the same pages; imported
again (or into a database that already has part of it) it adds only what is
missing. Unlike a backup (`manage.py backup`, a pg_dump), it does not depend on
the schema's ids: records name each other by natural keys, so an archive can go
into an instance that already has work of its own.

What travels: every row of the content apps (deals, sources, claims,
suggestions) — parties, deals with their ceasefire facts, parties to deals,
phases, clauses with their deadlines and obliged parties, sources with every
revision (page starts included), their original files (PDF, Word: the bytes,
read through the storage API), passages with their anchoring status and
re-anchoring outcomes, claims, evidence, verification changes, assessments,
agreement texts, clause anchors, clause proposals, and suggestions (the
editors' decisions on them are work: a dismissed suggestion stays dismissed) —
and each row's change history (django-simple-history records), which the
history pages, the claim editor's conflict check and the admin's restore read.

What does not travel: user accounts (a row's author and a history record's
editor travel as a username, and are linked to the account of that name in the
other instance if there is one), sessions, login records; and rows deleted
before the export (their history stays behind: what was deleted is not brought
back by moving instances).

The format, one JSON object per line:

    {"format": "dealtracker-archive", "version": 1, "exported_at": "...", "models": [...]}
    {"model": "deals.party", "fields": {"slug": "hamas", "name": "Hamas", ...}}
    {"history": "deals.party", "history_date": "...", "history_type": "+",
     "history_change_reason": null, "history_user": "editor", "fields": {...}}
    {"model": "sources.sourcedocument", "fields": {...}, "parts": 2}
    {"file": "<sha256>", "part": 0, "data": "<base64>"}
    ...
    {"end": true, "rows": {"deals.party": 12, ...}}

- Models come in the order of their dependencies (derived from the foreign
  keys, `record_types()`); rows of one model in the order they were made.
- A row's key is its first unique field or unique constraint: a party's or
  deal's slug; a phase's deal and number; a clause's deal and reference; a
  revision's source and number; an original's SHA-256; and for rows with no
  name of their own (sources, passages, claims, ...) their stable `uid`
  (dealtracker/identity.py). A reference to another row is that row's key
  (a list when the key has several parts); a user is a username.
- History records follow their row; a document's file parts follow its row.
- The last line counts the rows: an archive cut short is refused whole.

Import rules: a row whose key is already in the database is left as it is
(with its history): importing twice changes nothing. Everything is read in one
transaction: a bad line stops the import with `line N: reason` and leaves the
database as it was. Text follows the one policy of dealtracker/text.py;
source texts must be canonical with the right hashes; a passage's quote must be
its revision's text at its offsets; a file must have the size and SHA-256 its
row says. Memory stays flat: lines are read one at a time, the keys looked up
are kept in a bounded cache, and the rows nothing in the import reads back
(many-to-many sets, history records) are written in bulk every thousand rows or
two million characters.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from graphlib import TopologicalSorter
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, models, transaction

from dealtracker.interchange.source_archive import MAX_LINE_BYTES, LongLine
from dealtracker.sources.canonical import is_canonical, text_hash
from dealtracker.sources.documents import MEDIA_TYPES, valid_page_starts
from dealtracker.sources.services import StoredDocument, document_storage
from dealtracker.text import SingleLineFields, single_line

FORMAT = "dealtracker-archive"
FORMAT_VERSION = 1
# The apps whose rows are the desk's work. Every model of theirs travels, unless
# named in LEFT_OUT with the reason (tests/ops/test_archive.py holds this to it).
CONTENT_APPS = ("deals", "sources", "claims", "suggestions")
LEFT_OUT: dict[str, str] = {
    "claims.matrixcount": "counts kept by triggers from claims and their subjects:"
    " an import recounts them as its claims come in",
    "claims.dealcompliancecount": "counts kept by triggers from claims:"
    " an import adds to them as its claims come in",
    "claims.dealclaimactivity": "each deal's latest claim change, kept by triggers from"
    " claims: an import moves it as its claims come in",
}
# Fields computed from others by the database or on the way in.
DERIVED_FIELDS = {
    "sources.sourcedocument": {"storage_name"},
    "deals.clause": {"due_on"},  # kept by a trigger from its deadline and its phase
}
# Raw bytes of an original file per line (base64 makes it a third longer).
FILE_PART_BYTES = 768 * 1024
# Rows read per query when exporting, and history records per key lookup.
CHUNK = 200
# Keys remembered on import/export before the cache is emptied (memory stays flat).
CACHE_LIMIT = 10_000
IMPORTED_REASON = "imported from an archive"


def max_line_bytes() -> int:
    """The longest line an archive may hold: a source's text, escaped, with its fields."""
    return max(MAX_LINE_BYTES, 4 * settings.SOURCE_MAX_BYTES + 1_000_000)


class ArchiveError(Exception):
    """The archive cannot be written or read; the message says where and why."""


# --- the record types, from the models ------------------------------------------------


@dataclass(frozen=True)
class RecordType:
    model: type[models.Model]
    label: str
    fields: tuple[models.Field, ...]  # carried: concrete, not the id, not derived
    key: tuple[models.Field, ...]  # the fields that name a row
    m2m: tuple[models.ManyToManyField, ...]  # many-to-many sets carried with the row
    historical: type[models.Model] | None
    history_fields: tuple[models.Field, ...]  # the carried fields its history records keep
    history_m2m: tuple[tuple[models.ManyToManyField, type[models.Model]], ...]


def _is_historical(model: type[models.Model]) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges) or hasattr(model, "instance_type")


def _key_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """A row's name: its first unique field (not the id), else its first unique constraint."""
    for f in model._meta.concrete_fields:
        if f.unique and not f.primary_key:
            return (f,)
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and constraint.fields
        ):
            return tuple(model._meta.get_field(name) for name in constraint.fields)
    raise ArchiveError(f"{model._meta.label_lower} has no unique field or constraint to name it by")


def _record_type(model: type[models.Model]) -> RecordType:
    label = model._meta.label_lower
    derived = DERIVED_FIELDS.get(label, set())
    carried = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not isinstance(f, SearchVectorField) and f.name not in derived
    )
    m2m = tuple(f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created)
    historical = None
    history_fields: tuple[models.Field, ...] = ()
    history_m2m: list[tuple[models.ManyToManyField, type[models.Model]]] = []
    if hasattr(model._meta, "simple_history_manager_attribute"):
        historical = getattr(model, model._meta.simple_history_manager_attribute).model
        kept = {f.name for f in historical._meta.concrete_fields}
        history_fields = tuple(f for f in carried if f.name in kept)
        for f in getattr(historical, "_history_m2m_fields", []):
            through = f.remote_field.through
            for rel in historical._meta.related_objects:
                if getattr(rel.related_model, "instance_type", None) is through:
                    history_m2m.append((f, rel.related_model))
    return RecordType(
        model=model,
        label=label,
        fields=carried,
        key=_key_fields(model),
        m2m=m2m,
        historical=historical,
        history_fields=history_fields,
        history_m2m=tuple(history_m2m),
    )


@cache
def record_types() -> tuple[RecordType, ...]:
    """Every archived model, each after the models its rows refer to (foreign keys and
    many-to-many sets; a model's references to itself are settled at the end of an
    import). Among models that are ready, the apps' order and then the models' wins, so
    the archive reads deals, then sources, then claims."""
    chosen = [
        m
        for app in CONTENT_APPS
        for m in apps.get_app_config(app).get_models()
        if not _is_historical(m) and m._meta.label_lower not in LEFT_OUT
    ]
    graph = TopologicalSorter()
    for model in chosen:
        graph.add(
            model,
            *(
                f.related_model
                for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
                if f.is_relation and f.related_model in chosen and f.related_model is not model
            ),
        )
    graph.prepare()  # raises CycleError if models ever refer to each other in a ring
    rank = {m: i for i, m in enumerate(chosen)}
    ordered: list[type[models.Model]] = []
    ready: list[type[models.Model]] = []
    while graph.is_active():
        ready = sorted([*ready, *graph.get_ready()], key=rank.__getitem__)
        model = ready.pop(0)
        ordered.append(model)
        graph.done(model)
    return tuple(_record_type(m) for m in ordered)


@cache
def _types_by_label() -> dict[str, RecordType]:
    return {rt.label: rt for rt in record_types()}


def record_type(label: str) -> RecordType | None:
    return _types_by_label().get(label)


def _types_by_model() -> dict[type[models.Model], RecordType]:
    return {rt.model: rt for rt in record_types()}


# --- values <-> JSON ----------------------------------------------------------------


def _to_json(f: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(f, models.DateTimeField):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(f, models.DateField):
        return value.isoformat()
    if isinstance(f, models.UUIDField):
        return str(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def _from_json(f: models.Field, value: Any, *, check: bool) -> Any:
    """The field's Python value; with check, the field's own validation too (choices,
    lengths, URL, slug, ...), as a form would apply it."""
    if isinstance(value, dict) and not isinstance(f, models.JSONField):
        raise ValidationError("an object where a value belongs")
    if (
        isinstance(value, list)
        and not isinstance(f, models.JSONField)
        and f.get_internal_type() != "ArrayField"
    ):
        raise ValidationError("a list where a value belongs")
    python = f.clean(value, None) if check else f.to_python(value)
    if isinstance(python, dt.datetime) and python.tzinfo is None:
        raise ValidationError("a date and time without its UTC offset")
    return python


# --- keys ---------------------------------------------------------------------------


class _Keys:
    """Row keys both ways: ids to the JSON that names them (export), JSON to ids (import).

    Bounded: emptied when it holds CACHE_LIMIT entries.
    """

    def __init__(self) -> None:
        self.types = _types_by_model()
        self.user_model = get_user_model()
        self.json_of: dict[tuple[type, Any], Any] = {}
        self.id_of: dict[tuple[type, str], Any] = {}

    def _room(self, cache_: dict) -> None:
        if len(cache_) >= CACHE_LIMIT:
            cache_.clear()

    # export: id -> key

    def keys(self, model: type[models.Model], ids: Iterable[Any]) -> dict[Any, Any]:
        """{id: key JSON} for the rows that exist (a deleted one is left out)."""
        ids = {i for i in ids if i is not None}
        found = {i: self.json_of[(model, i)] for i in ids if (model, i) in self.json_of}
        wanted = ids - found.keys()
        if not wanted:
            return found
        if model is self.user_model:
            rows = model._base_manager.filter(pk__in=wanted).values_list("pk", model.USERNAME_FIELD)
            fresh = dict(rows)
        else:
            rt = self.types[model]
            rows = list(
                model._base_manager.filter(pk__in=wanted).values_list(
                    "pk", *[f.attname for f in rt.key]
                )
            )
            parts: list[dict[Any, Any]] = []
            for i, f in enumerate(rt.key, start=1):
                if f.is_relation:
                    parts.append(self.keys(f.related_model, (row[i] for row in rows)))
                else:
                    parts.append({})
            fresh = {}
            for row in rows:
                values = [
                    parts[i][row[i + 1]] if f.is_relation else _to_json(f, row[i + 1])
                    for i, f in enumerate(rt.key)
                ]
                fresh[row[0]] = values[0] if len(values) == 1 else values
        self._room(self.json_of)
        for pk, key in fresh.items():
            self.json_of[(model, pk)] = key
        return {**found, **fresh}

    # import: key -> id

    def pk(self, model: type[models.Model], key: Any) -> Any:
        """The id of the row this key names, or None when there is none (yet).

        Raises ValidationError when the key is not of the model's shape."""
        if model is self.user_model:
            if not isinstance(key, str):
                raise ValidationError(f"a user is named by a username, not {key!r}")
            cache_key = (model, key)
            if cache_key not in self.id_of:
                self._room(self.id_of)
                self.id_of[cache_key] = (
                    model._base_manager.filter(**{model.USERNAME_FIELD: key})
                    .values_list("pk", flat=True)
                    .first()
                )
            return self.id_of[cache_key]
        cache_key = (model, json.dumps(key, sort_keys=True))
        if cache_key in self.id_of:
            return self.id_of[cache_key]
        lookup = self.lookup(model, key)
        if lookup is None:
            return None
        pk = model._base_manager.filter(**lookup).values_list("pk", flat=True).first()
        if pk is not None:  # a missing row may still come later in the archive
            self.remember(model, key, pk)
        return pk

    def remember(self, model: type[models.Model], key: Any, pk: Any) -> None:
        self._room(self.id_of)
        self.id_of[(model, json.dumps(key, sort_keys=True))] = pk

    def lookup(self, model: type[models.Model], key: Any) -> dict[str, Any] | None:
        """The filter that finds the row named by key (None: a row it refers to is missing)."""
        rt = self.types.get(model)
        if rt is None:
            raise ValidationError(f"{model._meta.label_lower} rows are not in archives")
        if len(rt.key) == 1:
            parts = [key]
        elif isinstance(key, list) and len(key) == len(rt.key):
            parts = key
        else:
            names = ", ".join(f.name for f in rt.key)
            raise ValidationError(f"a {rt.label} is named by [{names}], not {key!r}")
        lookup = {}
        for f, part in zip(rt.key, parts, strict=True):
            if part is None:
                raise ValidationError(f"a {rt.label} key has no {f.name}")
            if f.is_relation:
                pk = self.pk(f.related_model, part)
                if pk is None:
                    return None
                lookup[f.attname] = pk
            else:
                lookup[f.name] = _from_json(f, part, check=False)
        return lookup


# --- export ---------------------------------------------------------------------------


@contextmanager
def snapshot():
    """One consistent, read-only view of the database for a whole export, however long
    it takes and whatever editors save meanwhile (inside a caller's transaction: that
    transaction's view)."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # A batch job, not a web request: the requests' statement timeout is not for it.
            cursor.execute("SET LOCAL statement_timeout = 0")
        yield


def row_counts() -> dict[str, int]:
    return {rt.label: rt.model._base_manager.count() for rt in record_types()}


def _line(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _batches(iterable: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _encode(rt_fields, objs: list, keys: _Keys) -> list[dict[str, Any]]:
    """The fields of objs as JSON, references as keys (looked up once for the batch)."""
    refs = {}
    for f in rt_fields:
        if f.is_relation:
            refs[f.name] = keys.keys(f.related_model, (getattr(o, f.attname) for o in objs))
    encoded = []
    for obj in objs:
        data = {}
        for f in rt_fields:
            value = getattr(obj, f.attname)
            if f.is_relation:
                # A reference to a row deleted since (only history keeps those) is null.
                data[f.name] = refs[f.name].get(value) if value is not None else None
            else:
                data[f.name] = _to_json(f, value)
        encoded.append(data)
    return encoded


def _m2m_keys(rt: RecordType, ids: list, keys: _Keys) -> dict[str, dict[Any, list]]:
    sets: dict[str, dict[Any, list]] = {}
    for f in rt.m2m:
        through = f.remote_field.through
        own, other = f.m2m_field_name(), f.m2m_reverse_field_name()
        pairs = list(
            through.objects.filter(**{f"{own}_id__in": ids})
            .order_by(f"{own}_id", "id")
            .values_list(f"{own}_id", f"{other}_id")
        )
        named = keys.keys(f.related_model, (b for _, b in pairs))
        sets[f.name] = defaultdict(list)
        for a, b in pairs:
            sets[f.name][a].append(named[b])
    return sets


def _history_lines(rt: RecordType, ids: list, keys: _Keys) -> Iterator[tuple[Any, str]]:
    """(row id, line) for the history records of these rows, oldest first per row,
    read through a server-side cursor a few at a time (a source's records hold its text)."""
    records = (
        rt.historical._base_manager.filter(id__in=ids)
        .select_related(None)
        .order_by("id", "history_date", "history_id")
        .iterator(chunk_size=CHUNK)
    )
    user = get_user_model()
    for batch in _batches(records, 50):
        encoded = _encode(rt.history_fields, batch, keys)
        users = keys.keys(user, (r.history_user_id for r in batch))
        m2m: dict[str, dict[Any, list]] = {}
        for f, m2m_model in rt.history_m2m:
            other = f.m2m_reverse_field_name()
            pairs = list(
                m2m_model.objects.filter(history_id__in=[r.history_id for r in batch])
                .order_by("history_id", "m2m_history_id")
                .values_list("history_id", f"{other}_id")
            )
            named = keys.keys(f.related_model, (b for _, b in pairs))
            m2m[f.name] = defaultdict(list)
            for h, b in pairs:
                if b in named:
                    m2m[f.name][h].append(named[b])
        for record, data in zip(batch, encoded, strict=True):
            for f, _ in rt.history_m2m:
                data[f.name] = m2m[f.name].get(record.history_id, [])
            yield (
                record.id,
                _line(
                    {
                        "history": rt.label,
                        "history_date": record.history_date.astimezone(dt.UTC).isoformat(),
                        "history_type": record.history_type,
                        "history_change_reason": record.history_change_reason,
                        "history_user": users.get(record.history_user_id),
                        "fields": data,
                    }
                ),
            )


def _file_lines(document) -> Iterator[str]:
    """The original file of a SourceDocument row, in parts, checked against its row."""
    digest, size, part = hashlib.sha256(), 0, 0
    try:
        handle = document_storage().open(document.storage_name, "rb")
    except (OSError, ValueError) as exc:
        raise ArchiveError(
            f"the original of source {document.source_id} ({document.storage_name}) "
            f"cannot be read from the documents storage: {exc}"
        ) from None
    with handle:
        while chunk := handle.read(FILE_PART_BYTES):
            digest.update(chunk)
            size += len(chunk)
            yield _line(
                {"file": document.sha256, "part": part, "data": base64.b64encode(chunk).decode()}
            )
            part += 1
    if size != document.size or digest.hexdigest() != document.sha256:
        raise ArchiveError(
            f"the original of source {document.source_id} ({document.storage_name}) in the "
            "documents storage is not the file its record describes (size or SHA-256 differ)"
        )


def file_parts(size: int) -> int:
    return max(1, -(-size // FILE_PART_BYTES))


def export_lines(*, on_row: Callable[[str], object] | None = None) -> Iterator[str]:
    """The whole archive, line by line (call inside snapshot())."""
    keys = _Keys()
    types = record_types()
    yield _line(
        {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "models": [rt.label for rt in types],
        }
    )
    counts: dict[str, int] = {}
    for rt in types:
        counts[rt.label] = 0
        search = [
            f.name for f in rt.model._meta.concrete_fields if isinstance(f, SearchVectorField)
        ]
        rows = rt.model._base_manager.defer(*search).order_by("pk").iterator(chunk_size=CHUNK)
        for batch in _batches(rows, CHUNK):
            ids = [obj.pk for obj in batch]
            encoded = _encode(rt.fields, batch, keys)
            sets = _m2m_keys(rt, ids, keys)
            history = _history_lines(rt, ids, keys) if rt.historical is not None else iter(())
            pending = next(history, None)
            for obj, data in zip(batch, encoded, strict=True):
                for name, by_row in sets.items():
                    data[name] = by_row.get(obj.pk, [])
                line = {"model": rt.label, "fields": data}
                if rt.label == "sources.sourcedocument":
                    line["parts"] = file_parts(obj.size)
                yield _line(line)
                counts[rt.label] += 1
                if on_row is not None:
                    on_row(rt.label)
                if rt.label == "sources.sourcedocument":
                    yield from _file_lines(obj)
                while pending is not None and pending[0] == obj.pk:
                    yield pending[1]
                    pending = next(history, None)
    yield _line({"end": True, "rows": counts})


# --- import ---------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    present: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    history: int = 0
    files: int = 0
    lines: int = 0

    @property
    def rows_created(self) -> int:
        return sum(self.created.values())

    @property
    def rows_present(self) -> int:
        return sum(self.present.values())


@dataclass
class _Row:
    """The row just read: its history records and file parts come next."""

    rt: RecordType
    number: int
    obj: models.Model | None  # None: already in the database, left as it is
    through: dict[str, dict[Any, Any]] = field(default_factory=dict)  # m2m: target id -> row id
    history: int = 0
    file: _FileIn | None = None


@dataclass
class _FileIn:
    sha256: str
    size: int
    parts: int
    storage_name: str
    keep: bool  # False: the document is already here, the parts are only read past
    received: int = 0
    written: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    spool: Any = None


@dataclass
class _Deferred:
    """A reference to a row of the same model that comes later in the archive."""

    model: type[models.Model]
    pk: Callable[[], Any] | None
    attname: str
    target: type[models.Model]
    key: Any
    number: int
    name: str


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, IntegrityError):
        cause = exc.__cause__
        diag = getattr(cause, "diag", None)
        name = getattr(diag, "constraint_name", None)
        detail = getattr(diag, "message_detail", None) or ""
        if getattr(cause, "sqlstate", None) == "23505":  # unique_violation
            return (
                f"this instance already has another row with the same value ({name}: "
                f"{detail}) — made here, not imported from this archive. An archive goes "
                "into an empty database, or into one that holds an earlier import of it"
            )
        if name:
            return f"breaks the database rule {name}" + (f" ({detail})" if detail else "")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _pk_of(obj) -> Callable[[], Any]:
    return lambda: obj.pk


class _Writes:
    """Rows nothing in an import reads back (many-to-many sets, history records), kept and
    written in bulk: a few queries for many rows."""

    # Written when this many rows, or this many characters of text, are waiting (a
    # source's history records hold its whole text).
    LIMIT = 1000
    TEXT_LIMIT = 2_000_000

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list] = defaultdict(list)
        self.history: dict[type[models.Model], list] = defaultdict(list)
        self.count = 0
        self.text = 0

    def add(self, model: type[models.Model], *objs) -> None:
        self.rows[model] += objs
        self._counted(len(objs), 0)

    def add_history(self, record, m2m: list) -> None:
        self.history[type(record)].append((record, m2m))
        text = sum(len(v) for v in vars(record).values() if isinstance(v, str))
        self._counted(1 + len(m2m), text)

    def _counted(self, n: int, text: int) -> None:
        self.count += n
        self.text += text
        if self.count >= self.LIMIT or self.text >= self.TEXT_LIMIT:
            self.flush()

    def flush(self) -> None:
        for model, objs in self.rows.items():
            model.objects.bulk_create(objs)
        m2m_rows: dict[type[models.Model], list] = defaultdict(list)
        for model, entries in self.history.items():
            model.objects.bulk_create([record for record, _ in entries])
            for record, m2m in entries:
                for row, through in m2m:
                    row.history_id = record.pk
                    row.id = through.pk if through is not None else 0
                    m2m_rows[type(row)].append(row)
        for model, objs in m2m_rows.items():
            model.objects.bulk_create(objs)
        self.rows.clear()
        self.history.clear()
        self.count = self.text = 0


class _Revisions:
    """The last few revisions' texts (passages and suggestions are checked against them)."""

    def __init__(self) -> None:
        self.kept: dict[Any, tuple[Any, str]] = {}

    def get(self, pk) -> tuple[Any, str] | None:
        from dealtracker.sources.models import SourceRevision

        if pk not in self.kept:
            if len(self.kept) >= 16:
                self.kept.clear()
            row = SourceRevision.objects.filter(pk=pk).values_list("source_id", "text").first()
            if row is None:
                return None
            self.kept[pk] = row
        return self.kept[pk]


class _Importer:
    def __init__(self, *, on_row: Callable[[str, bool], object] | None = None) -> None:
        self.keys = _Keys()
        self.summary = ImportSummary()
        self.on_row = on_row
        self.started = False
        self.ended = False
        self.row: _Row | None = None
        self.deferred: list[_Deferred] = []
        self.stored: list[str] = []  # files this import put in the storage
        self.seen: dict[str, int] = defaultdict(int)
        self.last_number = 0
        self.user_model = get_user_model()
        self.writes = _Writes()
        self.revisions = _Revisions()
        # Models whose table was empty when their first row came: no row of theirs can be
        # here already, so none is looked for (a key twice in the archive breaks its
        # unique constraint instead).
        self.was_empty: dict[str, bool] = {}

    # lines

    def line(self, number: int, raw: bytes | str) -> None:
        self.last_number = number
        self.summary.lines += 1
        data = self._parse(raw)
        if data is None:
            return
        if not self.started:
            self._header(data)
        elif self.ended:
            raise ValidationError("a line after the archive's last line")
        elif "model" in data:
            self._close_row()
            self._row(number, data)
        elif "history" in data:
            self._history(data)
        elif "file" in data:
            self._file_part(data)
        elif "end" in data:
            self._close_row()
            self._end(data)
        else:
            raise ValidationError(
                "not an archive line (expected model, history, file or end): "
                + ", ".join(sorted(map(str, data)))[:200]
            )

    def _parse(self, raw: bytes | str) -> dict | None:
        if isinstance(raw, LongLine):
            raise ValidationError(
                f"the line is {raw.size:,} bytes long; the limit is {max_line_bytes():,}"
            )
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(f"not UTF-8 (byte {exc.start})") from None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = getattr(exc, "msg", "nested too deep")
            raise ValidationError(f"not JSON ({msg})") from None
        if not isinstance(data, dict):
            raise ValidationError("a line must be a JSON object")
        return data

    def _header(self, data: dict) -> None:
        if data.get("format") != FORMAT:
            raise ValidationError(
                f'not a dealtracker archive (the first line must say "format": "{FORMAT}")'
            )
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValidationError("the archive's version must be a whole number")
        if version > FORMAT_VERSION:
            raise ValidationError(
                f"the archive is of version {version}, made by a newer dealtracker; "
                f"this one reads version {FORMAT_VERSION}"
            )
        self.started = True

    def _end(self, data: dict) -> None:
        rows = data.get("rows")
        if not isinstance(rows, dict):
            raise ValidationError("the last line must count the rows of each model")
        for label in sorted(set(rows) | set(self.seen)):
            if rows.get(label, 0) != self.seen.get(label, 0):
                raise ValidationError(
                    f"the archive counts {rows.get(label, 0)} {label} rows, "
                    f"but holds {self.seen.get(label, 0)}"
                )
        self.ended = True

    def finish(self) -> ImportSummary:
        self._close_row()
        if not self.started:
            raise ArchiveError("the archive is empty")
        if not self.ended:
            raise ArchiveError(
                f"the archive ends at line {self.last_number} without its last line "
                '({"end": ...}): it was cut short'
            )
        self.writes.flush()
        for d in self.deferred:
            pk = self.keys.pk(d.target, d.key)
            if pk is None:
                raise ArchiveError(
                    f"line {d.number}: {d.name}: no {d.target._meta.label_lower} {d.key!r} "
                    "in the archive or the database"
                )
            d.model._base_manager.filter(pk=d.pk()).update(**{d.attname: pk})
        with connection.cursor() as cursor:
            # The foreign keys PostgreSQL checks at commit, checked now, inside the import.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return self.summary

    # rows

    def _values(
        self, rt: RecordType, fields: Any, fields_known, number: int, *, row_model, check: bool
    ) -> tuple[dict[str, Any], list[_Deferred]]:
        if not isinstance(fields, dict):
            raise ValidationError("fields must be an object")
        known = {f.name: f for f in fields_known}
        extra = set(fields) - known.keys() - {f.name for f in rt.m2m}
        if extra:
            raise ValidationError(f"{rt.label} has no field {sorted(extra)[0]!r}")
        values: dict[str, Any] = {}
        later: list[_Deferred] = []
        for name, f in known.items():
            if name not in fields:
                continue
            value = fields[name]
            try:
                if not f.is_relation:
                    values[f.attname] = _from_json(f, value, check=check)
                elif value is None:
                    values[f.attname] = None
                elif f.related_model is self.user_model:
                    values[f.attname] = self.keys.pk(self.user_model, value)
                else:
                    pk = self.keys.pk(f.related_model, value)
                    if pk is None and f.related_model is rt.model and f.null:
                        values[f.attname] = None
                        later.append(
                            _Deferred(row_model, None, f.attname, rt.model, value, number, name)
                        )
                    elif pk is None:
                        raise ValidationError(
                            f"no {f.related_model._meta.label_lower} {value!r} "
                            "(it must come earlier in the archive or be in the database)"
                        )
                    else:
                        values[f.attname] = pk
            except ValidationError as exc:
                raise ValidationError(f"{name}: {' '.join(exc.messages)}") from None
        return values, later

    def _row(self, number: int, data: dict) -> None:
        label = data.get("model")
        rt = record_type(label) if isinstance(label, str) else None
        if rt is None:
            raise ValidationError(f"unknown model {label!r}")
        self.seen[rt.label] += 1
        fields = data.get("fields")
        if not isinstance(fields, dict):
            raise ValidationError("fields must be an object")
        missing = [f.name for f in rt.key if fields.get(f.name) is None]
        if missing:
            raise ValidationError(f"{rt.label} without its key field {missing[0]!r}")
        key_json = [fields[f.name] for f in rt.key]
        key_json = key_json[0] if len(key_json) == 1 else key_json
        if rt.label not in self.was_empty:
            self.was_empty[rt.label] = not rt.model._base_manager.exists()
        existing = None
        if not self.was_empty[rt.label]:
            try:
                existing = self.keys.pk(rt.model, key_json)
            except ValidationError as exc:
                raise ValidationError(f"key: {' '.join(exc.messages)}") from None
        if existing is not None:
            # Already here: left as it is, its other fields not even read.
            self.row = _Row(rt, number, None)
            self.summary.present[rt.label] += 1
            self._expect_file(data, keep=False)
            if self.on_row is not None:
                self.on_row(rt.label, False)
            return
        values, later = self._values(rt, fields, rt.fields, number, row_model=rt.model, check=True)
        obj = rt.model(**values)
        now = dt.datetime.now(dt.UTC)
        for f in rt.fields:
            # A hand-made archive may leave the timestamps out: they are now, then.
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                if getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, now)
        for name in obj.single_line_fields if isinstance(obj, SingleLineFields) else ():
            value = getattr(obj, name)
            if isinstance(value, str):
                setattr(obj, name, single_line(value))
            elif isinstance(value, list):
                setattr(obj, name, [single_line(v) for v in value])
        check = _CHECKS.get(rt.label)
        if check is not None:
            check(obj, self.revisions)
        try:
            # raw: the values as they are (timestamps included), no history record made here.
            obj.save_base(raw=True)
        except IntegrityError as exc:
            cause = exc.__cause__
            if self.was_empty[rt.label] and getattr(cause, "sqlstate", None) == "23505":
                raise ValidationError(
                    f"the archive holds the {rt.label} {key_json!r} twice"
                ) from None
            raise
        for d in later:
            d.pk = _pk_of(obj)
        self.deferred += later
        self.keys.remember(rt.model, key_json, obj.pk)
        self.row = _Row(rt, number, obj)
        for f in rt.m2m:
            self.row.through[f.name] = self._m2m(f, obj, fields.get(f.name, []))
        self.summary.created[rt.label] += 1
        self._expect_file(data, keep=True)
        if self.on_row is not None:
            self.on_row(rt.label, True)

    def _m2m(self, f: models.ManyToManyField, obj, named: Any) -> dict[Any, Any]:
        if not isinstance(named, list):
            raise ValidationError(f"{f.name} must be a list")
        targets = []
        for key in named:
            pk = self.keys.pk(f.related_model, key)
            if pk is None:
                raise ValidationError(f"{f.name}: no {f.related_model._meta.label_lower} {key!r}")
            if pk not in targets:
                targets.append(pk)
        through = f.remote_field.through
        own, other = f.m2m_field_name(), f.m2m_reverse_field_name()
        made = {pk: through(**{f"{own}_id": obj.pk, f"{other}_id": pk}) for pk in targets}
        self.writes.add(through, *made.values())
        return made

    def _close_row(self) -> None:
        row, self.row = self.row, None
        if row is None:
            return
        if row.file is not None and row.file.received < row.file.parts:
            raise ArchiveError(
                f"line {row.number}: the original file {row.file.sha256} is incomplete "
                f"({row.file.received} of {row.file.parts} parts)"
            )
        if row.obj is not None and row.rt.historical is not None and row.history == 0:
            # An archive without history records: the row's history starts here.
            rt, obj = row.rt, row.obj
            record = rt.historical(
                **{f.attname: getattr(obj, f.attname) for f in rt.history_fields},
                id=obj.pk,
                history_date=dt.datetime.now(dt.UTC),
                history_type="+",
                history_change_reason=IMPORTED_REASON,
            )
            self._history_record(
                row, record, {f.name: list(row.through.get(f.name, {})) for f, _ in rt.history_m2m}
            )

    # history records

    def _history(self, data: dict) -> None:
        row = self.row
        label = data.get("history")
        if row is None or row.rt.label != label or row.file is not None:
            raise ValidationError(f"a history record must follow its {label} row")
        if row.rt.historical is None:
            raise ValidationError(f"{label} rows keep no history")
        if row.obj is None:
            return  # the row was already here, with its own history
        rt = row.rt
        values, later = self._values(
            rt,
            data.get("fields"),
            rt.history_fields,
            row.number,
            row_model=rt.historical,
            check=False,
        )
        when = data.get("history_date")
        kind = data.get("history_type")
        reason = data.get("history_change_reason")
        user = data.get("history_user")
        try:
            when = _from_json(models.DateTimeField(), when, check=False)
        except ValidationError as exc:
            raise ValidationError(f"history_date: {' '.join(exc.messages)}") from None
        if when is None:
            raise ValidationError("history_date is missing")
        if kind not in ("+", "~", "-"):
            raise ValidationError(f"history_type must be +, ~ or -, not {kind!r}")
        if reason is not None and not isinstance(reason, str):
            raise ValidationError("history_change_reason must be text")
        if user is not None and not isinstance(user, str):
            raise ValidationError("history_user must be a username")
        for f in rt.history_fields:
            # What the database would refuse, refused here with the line's number (the
            # records are written in bulk later).
            value = values.get(f.attname)
            if f.attname in values and value is None and not f.null:
                raise ValidationError(f"{f.name}: This field cannot be null.")
            if f.max_length and isinstance(value, str) and len(value) > f.max_length:
                raise ValidationError(f"{f.name}: longer than {f.max_length} characters")
        record = rt.historical(
            **values,
            id=row.obj.pk,
            history_date=when,
            history_type=kind,
            history_change_reason=(reason or None) and single_line(reason)[:100],
            history_user_id=self.keys.pk(self.user_model, user) if user else None,
        )
        for d in later:
            d.pk = lambda record=record: record.pk
        self.deferred += later
        fields = data.get("fields") or {}
        sets = {}
        for f, _ in rt.history_m2m:
            named = fields.get(f.name, [])
            if not isinstance(named, list):
                raise ValidationError(f"{f.name} must be a list")
            # A party deleted since the record was made: the record keeps what is left.
            sets[f.name] = [
                pk for pk in (self.keys.pk(f.related_model, key) for key in named) if pk is not None
            ]
        self._history_record(row, record, sets)
        self.summary.history += 1

    def _history_record(self, row: _Row, record, sets: dict[str, list]) -> None:
        rt = row.rt
        if rt.label == "sources.sourcedocument":
            record.storage_name = row.obj.storage_name
        m2m = []
        for f, m2m_model in rt.history_m2m:
            own, other = f.m2m_field_name(), f.m2m_reverse_field_name()
            through = row.through.get(f.name, {})
            for pk in sets.get(f.name, []):
                m2m.append(
                    (
                        m2m_model(**{f"{own}_id": row.obj.pk, f"{other}_id": pk}),
                        through.get(pk),  # its id is the live row's, when there is one
                    )
                )
        self.writes.add_history(record, m2m)
        row.history += 1

    # original files

    def _expect_file(self, data: dict, *, keep: bool) -> None:
        rt = self.row.rt
        parts = data.get("parts")
        if rt.label != "sources.sourcedocument":
            if parts is not None:
                raise ValidationError(f"{rt.label} rows have no file parts")
            return
        if not isinstance(parts, int) or isinstance(parts, bool) or parts < 1:
            raise ValidationError("a document row must say how many file parts follow (parts)")
        fields = data["fields"]
        sha, size = fields.get("sha256"), fields.get("size")
        if self.row.obj is not None:
            name = self.row.obj.storage_name
        else:
            name = ""
        if parts != file_parts(size if isinstance(size, int) else 0):
            raise ValidationError(f"{size} bytes do not come in {parts} parts")
        self.row.file = _FileIn(sha256=sha, size=size, parts=parts, storage_name=name, keep=keep)
        if keep:
            self.row.file.spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115

    def _file_part(self, data: dict) -> None:
        row = self.row
        incoming = row.file if row is not None else None
        if incoming is None or data.get("file") != incoming.sha256:
            raise ValidationError("a file part must follow its document's row")
        if data.get("part") != incoming.received:
            raise ValidationError(
                f"file part {data.get('part')!r} where part {incoming.received} belongs"
            )
        if incoming.received >= incoming.parts:
            raise ValidationError(f"more than the {incoming.parts} parts the document announced")
        try:
            chunk = base64.b64decode(data.get("data") or "", validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise ValidationError("a file part's data is not base64") from None
        incoming.received += 1
        if not incoming.keep:
            if incoming.received == incoming.parts:
                row.file = None
            return
        incoming.written += len(chunk)
        if incoming.written > incoming.size:
            raise ValidationError(f"the file is longer than its {incoming.size:,} bytes")
        incoming.digest.update(chunk)
        incoming.spool.write(chunk)
        if incoming.received < incoming.parts:
            return
        if incoming.written != incoming.size or incoming.digest.hexdigest() != incoming.sha256:
            raise ValidationError(
                "the file is not the one its row describes (its size or SHA-256 differ)"
            )
        storage = document_storage()
        if not storage.exists(incoming.storage_name):
            incoming.spool.seek(0)
            saved = storage.save(incoming.storage_name, File(incoming.spool))
            self.stored.append(saved)
            if saved != incoming.storage_name:
                raise ArchiveError(
                    f"the documents storage kept the file as {saved!r}, not {incoming.storage_name!r}"
                )
        incoming.spool.close()
        self.summary.files += 1
        row.file = None

    def discard_files(self) -> None:
        """Take the files this import stored out of the storage again (it failed)."""
        storage = document_storage()
        for name in self.stored:
            try:
                storage.delete(name)
            except OSError:
                pass


# --- checks a row must pass before it is written ---------------------------------------------


def _check_text(obj, revisions: _Revisions) -> None:
    if not is_canonical(obj.text):
        raise ValidationError("text: not canonical (see DESIGN.md: NFC, \\n line ends, ...)")
    if obj.text_hash != text_hash(obj.text):
        raise ValidationError("text_hash: not the SHA-256 of the text")


def _check_revision(obj, revisions: _Revisions) -> None:
    _check_text(obj, revisions)
    if obj.page_starts and not valid_page_starts(list(obj.page_starts), len(obj.text)):
        raise ValidationError("page_starts: not increasing offsets from 0 within the text")


def _revision_of(obj, attname: str, revisions: _Revisions) -> str:
    row = revisions.get(getattr(obj, attname))
    if row is None or row[0] != obj.source_id:
        raise ValidationError(f"{attname.removesuffix('_id')} must be its source's")
    return row[1]


def _check_passage(obj, revisions: _Revisions) -> None:
    _revision_of(obj, "revision_made_id", revisions)
    text = _revision_of(obj, "revision_anchored_id", revisions)
    if obj.end > len(text) or text[obj.start : obj.end] != obj.quote:
        raise ValidationError(f"quote: not the text of revision_anchored at {obj.start}–{obj.end}")


def _check_document(obj, revisions: _Revisions) -> None:
    formats = {media: fmt for fmt, media in MEDIA_TYPES.items()}
    fmt = formats.get(obj.content_type)
    if fmt is None:
        raise ValidationError(f"content_type: {obj.content_type!r} is not a kept document format")
    # Content-addressed, as document_store names it (never a name the archive chose).
    obj.storage_name = StoredDocument(
        sha256=obj.sha256, filename="", fmt=fmt, size=obj.size
    ).storage_name
    if obj.revision_id is not None:
        _revision_of(obj, "revision_id", revisions)


def _check_suggestion(obj, revisions: _Revisions) -> None:
    text = _revision_of(obj, "revision_id", revisions)
    if text[obj.start : obj.end] != obj.sentence:
        raise ValidationError(f"sentence: not the text of its revision at {obj.start}–{obj.end}")


_CHECKS: dict[str, Callable[[Any, _Revisions], None]] = {
    "sources.source": _check_text,
    "sources.sourcerevision": _check_revision,
    "sources.passage": _check_passage,
    "sources.sourcedocument": _check_document,
    "suggestions.suggestion": _check_suggestion,
}


def import_lines(
    lines: Iterable[tuple[int, bytes | str]],
    *,
    on_row: Callable[[str, bool], object] | None = None,
) -> ImportSummary:
    """Import an archive's (line number, line) pairs in one transaction.

    Raises ArchiveError naming the line when anything is wrong; then nothing of
    the archive is left in the database, nor in the documents storage.
    """
    importer = _Importer(on_row=on_row)
    number = 0
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
            for number, raw in lines:
                try:
                    importer.line(number, raw)
                except (ValidationError, DatabaseError, ValueError, TypeError) as exc:
                    raise ArchiveError(f"line {number}: {_reason(exc)}") from exc
            try:
                return importer.finish()
            except (ValidationError, DatabaseError) as exc:
                raise ArchiveError(_reason(exc)) from exc
    except BaseException:
        importer.discard_files()
        raise
