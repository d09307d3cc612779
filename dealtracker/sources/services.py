"""Writes on sources: adding one, revising its text (re-anchoring every passage), deleting it.

Text is canonicalised here, once, on the way in (canonical.py); nothing after
this module ever sees uncanonical text. Every function that writes several rows
runs in one transaction, so a refusal or an error leaves nothing half-written.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from dealtracker.concurrency import lock
from dealtracker.db.copy_rows import unsaved
from dealtracker.db.values_update import values_update
from dealtracker.history import credit
from dealtracker.text import single_line

from . import anchoring
from .canonical import canonicalize, text_hash
from .documents import MEDIA_TYPES, DocumentError, Limits, valid_page_starts
from .models import (
    CONTEXT_CHARS,
    Passage,
    PassageAnchorStatus,
    Reanchoring,
    Source,
    SourceDocument,
    SourceRevision,
)


class DuplicateKind(StrEnum):
    # The same report again (same URL and text, or the same text with no URL): use the existing one.
    SAME = "same"
    # The same URL with other text: offered as a revision of the existing source.
    NEW_TEXT = "new_text"
    # The same text under another URL (a wire copy): the editor decides.
    WIRE_COPY = "wire_copy"


@dataclass(frozen=True)
class Duplicate:
    kind: DuplicateKind
    source: Source

    @property
    def message(self) -> str:
        if self.kind == DuplicateKind.SAME:
            return f"This report is already here as source {self.source.pk}."
        if self.kind == DuplicateKind.NEW_TEXT:
            return (
                f"Source {self.source.pk} has this URL with different text. "
                "Revise it instead of adding a second source."
            )
        return (
            f"Source {self.source.pk} has the same text under another address (a wire copy). "
            "Open it, or add this one flagged as its copy."
        )


class DuplicateSource(Exception):
    """Raised by source_create when the report is already present."""

    def __init__(self, duplicate: Duplicate):
        super().__init__(duplicate.message)
        self.duplicate = duplicate


def text_too_long_message(size: int) -> str:
    limit = settings.SOURCE_MAX_BYTES
    return (
        f"The text is {size:,} bytes long; the limit is {limit:,} bytes. "
        "Split the report or ask an admin to raise SOURCE_MAX_BYTES."
    )


def source_text_prepare(raw: str) -> str:
    """Canonical text ready to store, or ValidationError (empty, too long)."""
    text = canonicalize(raw or "")
    if not text.strip():
        raise ValidationError("The text is empty.", code="empty")
    size = len(text.encode("utf-8"))
    if size > settings.SOURCE_MAX_BYTES:
        raise ValidationError(text_too_long_message(size), code="too_long")
    return text


def normalize_url(url: str) -> str:
    """The form a source URL is stored and compared in: no fragment, scheme and host lower-case."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" not in netloc:
        netloc = netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


def web_url_error(url: str) -> str:
    """Why a source URL is refused ('' when it is an http(s) address with a host)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "The address is not a valid URL."
    if parts.scheme not in ("http", "https") or not host:
        return "Only web addresses (http:// or https://) are accepted."
    return ""


# --- original documents (PDF, Word) ---------------------------------------------------


def document_limits() -> Limits:
    """What reading one uploaded document may cost, from the settings."""
    return Limits(
        max_bytes=settings.DOCUMENT_MAX_BYTES,
        max_pages=settings.DOCUMENT_MAX_PAGES,
        # Characters: the stored text is checked in bytes again (SOURCE_MAX_BYTES).
        max_text_chars=settings.SOURCE_MAX_BYTES,
        max_unzipped_bytes=settings.DOCUMENT_MAX_UNZIPPED_BYTES,
        memory_mb=settings.DOCUMENT_EXTRACT_MEMORY_MB,
        cpu_seconds=settings.DOCUMENT_EXTRACT_SECONDS,
        timeout_seconds=settings.DOCUMENT_EXTRACT_SECONDS + 30,
    )


def document_storage():
    from django.core.files.storage import storages

    return storages["documents"]


@dataclass(frozen=True)
class StoredDocument:
    """An original file kept in the documents storage, not yet tied to a source."""

    sha256: str
    filename: str
    fmt: str
    size: int
    page_count: int = 0

    @property
    def content_type(self) -> str:
        return MEDIA_TYPES[self.fmt]

    @property
    def storage_name(self) -> str:
        # Content-addressed: the same file is stored once, whatever it was called.
        return f"{self.sha256[:2]}/{self.sha256}.{self.fmt}"

    def read(self) -> bytes:
        with document_storage().open(self.storage_name, "rb") as handle:
            return handle.read()


def document_filename(name: str, fmt: str) -> str:
    """An uploaded file's name as kept and sent back: no path, one line by the control-
    character policy (dealtracker/text.py, which also drops bidi overrides that would
    disguise its suffix), its suffix."""
    name = single_line((name or "").replace("/", " ").replace("\\", " "))
    name = name.strip(" .") or "document"
    suffix = f".{fmt}"
    if not name.lower().endswith(suffix):
        name += suffix
    return name[-255:]


def document_store(*, data: bytes, filename: str, fmt: str, page_count: int = 0) -> StoredDocument:
    """Keep an uploaded original (once per content); the name is only remembered."""
    import hashlib

    from django.core.files.base import ContentFile

    if fmt not in MEDIA_TYPES:
        raise DocumentError(f"Unknown document format {fmt!r}.")
    stored = StoredDocument(
        sha256=hashlib.sha256(data).hexdigest(),
        filename=document_filename(filename, fmt),
        fmt=fmt,
        size=len(data),
        page_count=page_count,
    )
    storage = document_storage()
    if not storage.exists(stored.storage_name):
        saved = storage.save(stored.storage_name, ContentFile(data))
        if saved != stored.storage_name:
            # Another upload of the same file won the race: one copy is enough.
            storage.delete(saved)
    return stored


def source_for_document(*, sha256: str) -> Source | None:
    """The source an identical file was already uploaded as."""
    document = SourceDocument.objects.filter(sha256=sha256).select_related("source").first()
    return document.source if document is not None else None


def page_starts_map(*, old_text: str, new_text: str, page_starts: list[int]) -> list[int]:
    """A revision's page starts carried over to its edited text (empty when it has none)."""
    if not page_starts:
        return []
    mapped = anchoring.map_offsets(old_text, new_text, page_starts)
    mapped[0] = 0
    for i in range(1, len(mapped)):
        mapped[i] = max(mapped[i], mapped[i - 1])
    return mapped


def source_find_duplicate(*, url: str, text_hash: str) -> Duplicate | None:
    """Which existing source this report duplicates, if any (DESIGN.md: same URL, same text)."""
    url = normalize_url(url)
    if url:
        by_url = Source.objects.filter(url=url).first()
        if by_url is not None:
            kind = DuplicateKind.SAME if by_url.text_hash == text_hash else DuplicateKind.NEW_TEXT
            return Duplicate(kind, by_url)
    by_text = Source.objects.filter(text_hash=text_hash).order_by("id").first()
    if by_text is None:
        return None
    if not url:
        return Duplicate(DuplicateKind.SAME, by_text)
    return Duplicate(DuplicateKind.WIRE_COPY, by_text)


def source_build(
    *,
    text: str,
    title: str,
    by,
    kind: str = Source.Kind.NEWS_REPORT,
    outlet: str = "",
    author: str = "",
    attribution: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    language: str = "en",
    copy_of: Source | None = None,
    page_starts: list[int] | None = None,
) -> tuple[Source, SourceRevision]:
    """An unsaved source and its revision 1, checked and cleaned as they are stored.

    Raises ValidationError for empty or oversized text, no title, page offsets that
    do not fit the text or a URL that is not http(s); finding duplicates is the
    caller's job (source_create, or an archive import for a whole batch)."""
    canonical = source_text_prepare(text)
    title = single_line(canonicalize(title or ""))
    if not title:
        raise ValidationError("A source needs a title.", code="no_title")
    page_starts = list(page_starts or [])
    if page_starts and not valid_page_starts(page_starts, len(canonical)):
        raise ValidationError("The page offsets do not fit the text.", code="bad_pages")
    url = normalize_url(url)
    if problem := web_url_error(url):
        raise ValidationError(problem, code="bad_url")
    digest = text_hash(canonical)
    source = unsaved(
        Source,
        kind=kind,
        title=title,
        # What Source.save() (SingleLineFields) makes of them; bulk inserts skip save().
        outlet=single_line(outlet.strip()),
        author=single_line(author.strip()),
        attribution=single_line(attribution.strip()),
        url=url,
        published_on=published_on,
        language=(language or "en").strip(),
        text=canonical,
        text_hash=digest,
        duplicate_of=copy_of,
        created_by=by,
    )
    revision = unsaved(
        SourceRevision,
        source=source,
        number=1,
        text=canonical,
        text_hash=digest,
        page_starts=page_starts,
        created_by=by,
    )
    return source, revision


def source_create(
    *,
    text: str,
    title: str,
    by,
    kind: str = Source.Kind.NEWS_REPORT,
    outlet: str = "",
    author: str = "",
    attribution: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    language: str = "en",
    copy_of: Source | None = None,
    document: StoredDocument | None = None,
    page_starts: list[int] | None = None,
) -> Source:
    """Add a source with its revision 1 (and the original file its text was read from).

    Raises ValidationError for empty or oversized text, no title or a URL
    that is not http(s), and DuplicateSource when the report is already here
    — the same original file, or see source_find_duplicate — except a wire
    copy when the editor chose to add it anyway (`copy_of` names the source it
    copies). page_starts are offsets into the canonical text where the
    document's pages begin.
    """
    source, revision = source_build(
        text=text,
        title=title,
        by=by,
        kind=kind,
        outlet=outlet,
        author=author,
        attribution=attribution,
        url=url,
        published_on=published_on,
        language=language,
        copy_of=copy_of,
        page_starts=page_starts,
    )
    url, digest = source.url, source.text_hash
    if document is not None:
        same_file = source_for_document(sha256=document.sha256)
        if same_file is not None:
            raise DuplicateSource(Duplicate(DuplicateKind.SAME, same_file))
    duplicate = source_find_duplicate(url=url, text_hash=digest)
    if duplicate is not None:
        accepted_copy = (
            duplicate.kind == DuplicateKind.WIRE_COPY
            and copy_of is not None
            and copy_of.text_hash == digest
        )
        if not accepted_copy:
            raise DuplicateSource(duplicate)
    try:
        with transaction.atomic():
            # Recorded as the change's author outside a request too (commands, tests).
            credit(source, by)
            source.save()
            revision.source = source
            revision.save()
            if document is not None:
                SourceDocument.objects.create(
                    source=source,
                    revision=revision,
                    storage_name=document.storage_name,
                    filename=document.filename,
                    content_type=document.content_type,
                    size=document.size,
                    sha256=document.sha256,
                    page_count=document.page_count,
                    created_by=by,
                )
    except IntegrityError:
        # Another editor added the same URL (or the same file) a moment ago.
        if document is not None:
            same_file = source_for_document(sha256=document.sha256)
            if same_file is not None:
                raise DuplicateSource(Duplicate(DuplicateKind.SAME, same_file)) from None
        duplicate = source_find_duplicate(url=url, text_hash=digest)
        if duplicate is None:
            raise
        raise DuplicateSource(duplicate) from None
    return source


@dataclass
class RevisionOutcome:
    """What revising a source did: the new revision and how each passage ended."""

    source: Source
    revision: SourceRevision | None
    reanchorings: list[Reanchoring] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.revision is None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.reanchorings)
        return {status: counted.get(status, 0) for status in PassageAnchorStatus.values}

    @property
    def to_review(self) -> list[Reanchoring]:
        """Changed, orphaned or uncertain passages: what an editor must look at."""
        return [
            r
            for r in self.reanchorings
            if r.needs_review
            or r.status in (PassageAnchorStatus.CHANGED, PassageAnchorStatus.ORPHANED)
        ]


# What re-anchoring changes on a passage (attribute names), with the SQL type
# of each column for the VALUES list of _passages_update.
_PASSAGE_FIELDS = [
    ("start", "integer"),
    ("end", "integer"),
    ("quote", "text"),
    ("prefix", "text"),
    ("suffix", "text"),
    ("revision_anchored_id", "bigint"),
    ("anchor_status", "varchar"),
    ("needs_review", "boolean"),
    ("previous_quote", "text"),
]


def _passage_values(passage: Passage) -> tuple:
    """The values re-anchoring may change, to tell which passages it changed."""
    return tuple(getattr(passage, name) for name, _ in _PASSAGE_FIELDS)


def _passages_update(passages: list[Passage], *, with_quote: set[int]) -> None:
    """Write the re-anchored fields and updated_at of passages (dealtracker/db/values_update.py).

    The quote is set only for the passages in with_quote (those whose words
    changed): setting it fires the search-vector trigger, which would recompute
    every vector.
    """
    quoted = [p for p in passages if p.pk in with_quote]
    unquoted = [p for p in passages if p.pk not in with_quote]
    fields = [f for f in _PASSAGE_FIELDS if f[0] != "quote"]
    for rows, names in ((quoted, _PASSAGE_FIELDS), (unquoted, fields)):
        values_update(Passage, rows, [*names, ("updated_at", "timestamptz")])


def source_revise(*, source: Source, new_text: str, note: str = "", by) -> RevisionOutcome:
    """Correct or replace a source's text; keep the old one as a revision; re-anchor every passage.

    Passages anchored to the current revision are re-anchored with one diff.
    Orphaned passages (tied to the last revision they matched) are retried too,
    one diff per such older revision: a later correction often restores the
    words they quote, and a passage that comes back is flagged for review. Each
    outcome is recorded as a Reanchoring row. Unchanged text makes no revision.
    """
    canonical = source_text_prepare(new_text)
    digest = text_hash(canonical)
    with transaction.atomic():
        # Raises Gone when the source was deleted meanwhile (concurrency.py).
        source = lock(Source, source.pk, what="source")
        if digest == source.text_hash:
            return RevisionOutcome(source=source, revision=None)
        current = source.revisions.current()
        revision = SourceRevision.objects.create(
            source=source,
            number=(current.number if current else 0) + 1,
            text=canonical,
            text_hash=digest,
            # The pages of the original stay where their words went.
            page_starts=page_starts_map(
                old_text=current.text, new_text=canonical, page_starts=current.page_starts
            )
            if current
            else [],
            note=(note or "").strip(),
            created_by=by,
        )
        source.text = canonical
        source.text_hash = digest
        if by is not None:
            credit(source, by)
        source.save(update_fields=["text", "text_hash", "updated_at"])

        # Each revision's text is read once, not joined onto every passage.
        passages = list(Passage.objects.filter(source=source).defer("search_vector").order_by("id"))
        groups: dict[int, list[Passage]] = defaultdict(list)
        for passage in passages:
            groups[passage.revision_anchored_id].append(passage)
        old_revisions = SourceRevision.objects.in_bulk(list(groups))

        reanchorings: list[Reanchoring] = []
        changed: list[Passage] = []
        new_quotes: set[int] = set()
        for revision_id, group in groups.items():
            old_revision = old_revisions[revision_id]
            anchors = [
                anchoring.Anchor(
                    start=p.start, end=p.end, quote=p.quote, prefix=p.prefix, suffix=p.suffix
                )
                for p in group
            ]
            results = anchoring.reanchor(old_revision.text, canonical, anchors)
            for passage, result in zip(group, results, strict=True):
                before, old_quote = _passage_values(passage), passage.quote
                reanchorings.append(_apply(passage, result, old_revision, revision, canonical))
                if _passage_values(passage) != before:
                    changed.append(passage)
                if passage.quote != old_quote:
                    new_quotes.add(passage.pk)

        if changed:
            # Only passages whose values changed are written and get a history row
            # (an orphan that stays orphaned does not).
            now = timezone.now()
            for passage in changed:
                passage.updated_at = now
            _passages_update(changed, with_quote=new_quotes)
            Passage.history.bulk_history_create(
                changed,
                update=True,
                default_user=by,
                default_change_reason=f"re-anchored to revision {revision.number}",
                default_date=now,
            )
        if reanchorings:
            Reanchoring.objects.bulk_create(reanchorings)
    return RevisionOutcome(source=source, revision=revision, reanchorings=reanchorings)


def _apply(
    passage: Passage,
    result: anchoring.Reanchored,
    old_revision: SourceRevision,
    new_revision: SourceRevision,
    new_text: str,
) -> Reanchoring:
    """Move one passage to its re-anchored span (in memory) and describe what happened."""
    old_start, old_end, old_quote = passage.start, passage.end, passage.quote
    status = result.status
    spanned = (
        result.start is not None
        and result.end is not None
        and 0 <= result.start < result.end <= len(new_text)
    )
    if status == PassageAnchorStatus.ORPHANED or not spanned:
        status = PassageAnchorStatus.ORPHANED
        # Kept where it was, tied to the last revision it matched.
        passage.anchor_status = status
        passage.needs_review = True
    else:
        start, end = cast(int, result.start), cast(int, result.end)  # spanned: both set
        # The quote is always the stored text's, never the matcher's copy of it.
        quote = new_text[start:end]
        if status == PassageAnchorStatus.CHANGED and quote == old_quote:
            status = PassageAnchorStatus.MOVED
        elif (
            status in (PassageAnchorStatus.ANCHORED, PassageAnchorStatus.MOVED)
            and quote != old_quote
        ):
            status = PassageAnchorStatus.CHANGED
        quote, prefix, suffix = anchoring.quote_selector(
            new_text, start, end, context=CONTEXT_CHARS
        )
        passage.start, passage.end = start, end
        passage.quote, passage.prefix, passage.suffix = quote, prefix, suffix
        passage.revision_anchored = new_revision
        if quote != old_quote:
            passage.previous_quote = old_quote
        # A flag an editor has not cleared yet stays set.
        passage.needs_review = (
            passage.needs_review
            or result.needs_review
            or status == PassageAnchorStatus.CHANGED
            or passage.anchor_status == PassageAnchorStatus.ORPHANED
        )
        passage.anchor_status = status
    spanned_now = status != PassageAnchorStatus.ORPHANED
    return Reanchoring(
        passage=passage,
        from_revision=old_revision,
        to_revision=new_revision,
        status=status,
        method=(result.method or "")[:40],
        score=float(result.score or 0.0),
        needs_review=passage.needs_review,
        old_start=old_start,
        old_end=old_end,
        old_quote=old_quote,
        new_start=passage.start if spanned_now else None,
        new_end=passage.end if spanned_now else None,
        new_quote=passage.quote if spanned_now else "",
    )


class SourceInUse(Exception):
    """A source whose passages evidence rests on cannot be deleted."""


def source_delete(*, source: Source) -> None:
    """Delete a source with its revisions and passages, unless evidence rests on them.

    The refusal names the claims that still point at its passages (DESIGN.md: unlink first).
    The source row is locked first, then its passages in id order — the order
    revising and marking lock in — so a delete and a revision saved at the same
    moment wait for each other instead of deadlocking. Raises Gone when the
    source is already deleted.
    """
    try:
        with transaction.atomic():
            source = lock(Source, source.pk, what="source")
            list(
                Passage.objects.filter(source=source)
                .order_by("id")
                .select_for_update(of=("self",))
                .values_list("id", flat=True)
            )
            # Passages first: the revisions they were made on protect them, and
            # deleting them is where evidence (PROTECT) refuses.
            Passage.objects.filter(source=source).delete()
            source.delete()
    except ProtectedError as exc:
        # The sources app knows nothing of claims: describe whatever protects the passages.
        lines = []
        for obj in sorted(exc.protected_objects, key=lambda o: (type(o).__name__, o.pk)):
            claim = getattr(obj, "claim", None)
            passage = getattr(obj, "passage", None)
            if claim is not None and passage is not None:
                lines.append(f"claim {claim.pk} “{claim}” rests on passage {passage}")
            else:
                lines.append(f"{obj._meta.verbose_name} {obj.pk} ({obj})")
        raise SourceInUse(
            "This source cannot be deleted: evidence still points at its passages — "
            + "; ".join(lines)
            + ". Unlink that evidence first."
        ) from None
