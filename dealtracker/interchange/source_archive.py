"""The source archive format: one source per line (JSON Lines), with its passages
and the claims that rest on them. `manage.py import_sources` reads it,
`manage.py export_sources` writes it; export then import into a database with
the same parties and deals gives back the same sources, passages and claims.

It lives in the claims app (not in sources) because a line carries claims, and
sources must know nothing of claims.

One line:

    {"url": "https://...", "title": "...", "kind": "news_report", "outlet": "",
     "author": "", "attribution": "", "published_on": "2025-02-28", "language": "en",
     "text": "the report's text",
     "passages": [{"start": 0, "end": 42, "quote": "optional, checked", "note": ""}],
     "claims": [{"statement": "...", "attribution": "", "claimant": "hamas",
                 "subjects": ["israel"], "deal": "gaza-ceasefire-2025", "phase": 2,
                 "clause": "2.1", "kind": "compliance", "compliance": "not_complied",
                 "made_on": "2025-03-02", "made_on_precision": "day",
                 "verification": "disputed", "published": true,
                 "published_at": "2025-03-03T10:00:00+00:00", "language": "en",
                 "evidence": [{"passage": 0, "relation": "states", "note": ""},
                              {"source": "https://... or sha256:<hash>", "start": 10,
                               "end": 80, "relation": "supports", "note": ""}]}]}

Rules, decided here:
- Offsets count code points of the canonical text (DESIGN.md). A text that is not
  canonical is canonicalised on the way in; its passages are then found again by
  their quote (given, or cut from the raw text), nearest the given offset.
- The server computes every quote and its context from the stored text; a quote
  in the line is only checked.
- Parties, deals, phases and clauses are named by slug / order / reference and
  must already exist: they are reference data an admin keeps, and creating them
  from an import would breed misspelled duplicates. A line naming an unknown one
  is reported bad, with the name.
- A source already present (same URL, or same text) is skipped and counted, with
  its claims: importing twice changes nothing.
- A claim is written once, on the line of the last source (in file order) it has
  evidence in; evidence in an earlier source names it by URL (or sha256:<text
  hash> when it has none) and the passage's offsets. Claims without evidence are
  not tied to any source and are not exported. Revisions are not carried: a line
  holds the current text, and passages anchored to it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Model, Prefetch, Q
from django.utils import timezone as dj_timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from dealtracker.claims.models import (
    Claim,
    ClaimCompliance,
    ClaimKind,
    ClaimVerification,
    Evidence,
    EvidenceRelation,
)
from dealtracker.claims.services import claim_validate
from dealtracker.db.copy_rows import (
    history_insert,
    rows_insert,
    take_ids,
    unsaved,
    values_insert,
)
from dealtracker.deals.loose_dates import DatePrecision
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.history import credit
from dealtracker.sources.bulk import passage_build, source_build, sources_insert
from dealtracker.sources.canonical import canonicalize
from dealtracker.sources.models import Passage, Source, SourceKind, SourceRevision
from dealtracker.sources.services import DuplicateSource, source_create
from dealtracker.text import single_line

BATCH_SIZE = 500
# A batch also ends once its lines hold this many bytes (memory stays bounded).
BATCH_BYTES = 64_000_000
MAX_LINE_BYTES = 8_000_000


class LineError(Exception):
    """A line that cannot be imported; the message says why."""


# --- one line, parsed and checked (no database) --------------------------------------


@dataclass(frozen=True)
class PassageLine:
    start: int
    end: int
    quote: str | None = None
    note: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    relation: str
    note: str = ""
    passage: int | None = None  # index into this line's passages
    source: str | None = None  # another source: URL or sha256:<text hash>
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class ClaimLine:
    statement: str
    kind: str
    compliance: str
    verification: str
    published: bool
    attribution: str = ""
    claimant: str | None = None
    subjects: tuple[str, ...] = ()
    deal: str | None = None
    phase: int | None = None
    clause: str | None = None
    made_on: dt.date | None = None
    made_on_precision: str = DatePrecision.DAY
    published_at: dt.datetime | None = None
    language: str = "en"
    evidence: tuple[EvidenceLine, ...] = ()


@dataclass(frozen=True)
class SourceLine:
    title: str
    text: str
    kind: str = SourceKind.NEWS_REPORT
    url: str = ""
    outlet: str = ""
    author: str = ""
    attribution: str = ""
    published_on: dt.date | None = None
    language: str = "en"
    passages: tuple[PassageLine, ...] = ()
    claims: tuple[ClaimLine, ...] = ()


def _str(data: dict, key: str, *, required: bool = False, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise LineError(f"{key} is missing")
        return default
    if not isinstance(value, str):
        raise LineError(f"{key} must be a string")
    if required and not value.strip():
        raise LineError(f"{key} is empty")
    return value


def _int(data: dict, key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LineError(f"{where}: {key} must be a whole number ≥ 0")
    return value


def _choice(data: dict, key: str, choices, default: str, where: str) -> str:
    value = data.get(key, default)
    if value is None:
        value = default
    if value not in _values(choices):
        raise LineError(f"{where}: {key} {value!r} is not one of {', '.join(choices.values)}")
    return value


@functools.cache
def _values(choices) -> frozenset[str]:
    return frozenset(choices.values)


def _date(value: Any, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise LineError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _datetime(value: Any, what: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise LineError(f"{what} {value!r} is not a date and time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _list(data: dict, key: str, where: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise LineError(f"{where}{key} must be a list")
    return value


def parse_line(raw: bytes | str) -> SourceLine:
    """One line of the archive as a SourceLine; LineError says what is wrong."""
    if isinstance(raw, LongLine):
        raise LineError(f"the line is {raw.size:,} bytes long; the limit is {MAX_LINE_BYTES:,}")
    if isinstance(raw, bytes):
        if len(raw) > MAX_LINE_BYTES:
            raise LineError(f"the line is {len(raw):,} bytes long; the limit is {MAX_LINE_BYTES:,}")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(f"not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LineError("a line must be a JSON object")
    passages = []
    for i, p in enumerate(_list(data, "passages", "")):
        where = f"passage {i}"
        if not isinstance(p, dict):
            raise LineError(f"{where} must be an object")
        start, end = _int(p, "start", where), _int(p, "end", where)
        if end <= start:
            raise LineError(f"{where}: end ({end}) must be after start ({start})")
        quote = p.get("quote")
        if quote is not None and not isinstance(quote, str):
            raise LineError(f"{where}: quote must be a string")
        passages.append(PassageLine(start, end, quote, _str(p, "note")))
    claims = []
    for i, c in enumerate(_list(data, "claims", "")):
        claims.append(_parse_claim(c, f"claim {i}", len(passages)))
    return SourceLine(
        title=_str(data, "title", required=True),
        text=_str(data, "text", required=True),
        kind=_choice(data, "kind", SourceKind, SourceKind.NEWS_REPORT, "source"),
        url=_str(data, "url").strip(),
        outlet=_str(data, "outlet"),
        author=_str(data, "author"),
        attribution=_str(data, "attribution"),
        published_on=_date(data.get("published_on"), "published_on"),
        language=_str(data, "language", default="en") or "en",
        passages=tuple(passages),
        claims=tuple(claims),
    )


def _parse_claim(c: Any, where: str, n_passages: int) -> ClaimLine:
    if not isinstance(c, dict):
        raise LineError(f"{where} must be an object")
    try:
        statement = _str(c, "statement", required=True)
    except LineError as exc:
        raise LineError(f"{where}: {exc}") from None
    subjects = _list(c, "subjects", f"{where}: ")
    if not all(isinstance(s, str) for s in subjects):
        raise LineError(f"{where}: subjects must be party slugs")
    phase = c.get("phase")
    if phase is not None and (not isinstance(phase, int) or isinstance(phase, bool) or phase < 1):
        raise LineError(f"{where}: phase must be a phase number (1, 2, ...)")
    evidence = []
    for j, e in enumerate(_list(c, "evidence", f"{where}: ")):
        ewhere = f"{where}, evidence {j}"
        if not isinstance(e, dict):
            raise LineError(f"{ewhere} must be an object")
        relation = _choice(e, "relation", EvidenceRelation, EvidenceRelation.STATES, ewhere)
        if "passage" in e:
            index = _int(e, "passage", ewhere)
            if index >= n_passages:
                raise LineError(
                    f"{ewhere}: passage {index} is not on this line ({n_passages} passages)"
                )
            evidence.append(EvidenceLine(relation, _str(e, "note"), passage=index))
        elif "source" in e:
            start, end = _int(e, "start", ewhere), _int(e, "end", ewhere)
            evidence.append(
                EvidenceLine(
                    relation,
                    _str(e, "note"),
                    source=_str(e, "source", required=True),
                    start=start,
                    end=end,
                )
            )
        else:
            raise LineError(f"{ewhere}: name a passage of this line or a source with start and end")
    return ClaimLine(
        statement=statement,
        kind=_choice(c, "kind", ClaimKind, ClaimKind.OTHER, where),
        compliance=c.get("compliance") or "",
        verification=_choice(
            c, "verification", ClaimVerification, ClaimVerification.UNVERIFIED, where
        ),
        published=bool(c.get("published", False)),
        attribution=_str(c, "attribution"),
        claimant=c.get("claimant") or None,
        subjects=tuple(subjects),
        deal=c.get("deal") or None,
        phase=phase,
        clause=c.get("clause") or None,
        made_on=_date(c.get("made_on"), f"{where}: made_on"),
        made_on_precision=_choice(c, "made_on_precision", DatePrecision, DatePrecision.DAY, where),
        published_at=_datetime(c.get("published_at"), f"{where}: published_at"),
        language=_str(c, "language", default="en") or "en",
        evidence=tuple(evidence),
    )


# --- import ---------------------------------------------------------------------


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0  # already present (same URL or same text)
    bad: int = 0
    passages: int = 0
    claims: int = 0
    lines: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # the first 1,000


class _NotLookedUp(Exception):
    """A name _References has not looked up yet, asked for with query=False."""


class _References:
    """Parties, deals, phases and clauses by their names in the file, looked up once.

    With query=False a lookup answers from what is already known (or raises
    _NotLookedUp) and never touches the database: read_ahead's thread resolves
    claims that way, the caller's thread looks up the rest. Known names only
    accumulate, and a name is marked unknown (None) only once everything it could
    be is loaded, so the thread's answers are the ones a query would give."""

    def __init__(self) -> None:
        self.parties: dict[str, Party | None] = {}
        self.deals: dict[str, Deal | None] = {}
        self.phases: dict[tuple[int, int], Phase | None] = {}
        self.clauses: dict[tuple[int, str], Clause | None] = {}
        self.loaded: set[int] = set()  # deals whose phases and clauses are in
        self.all_parties = self.all_deals = False

    def party(self, slug: str, where: str, *, query: bool = True) -> Party:
        if slug not in self.parties:
            if not query:
                raise _NotLookedUp
            if not self.all_parties:  # reference data: a few thousand rows at most
                self.all_parties = True
                self.parties.update((p.slug, p) for p in Party.objects.all())
            self.parties.setdefault(slug, None)
        if self.parties[slug] is None:
            raise LineError(f"{where}: no party {slug!r} (add it in the admin first)")
        return cast(Any, self.parties[slug])  # not None: checked above

    def deal(self, slug: str, where: str, *, query: bool = True) -> Deal:
        if slug not in self.deals:
            if not query:
                raise _NotLookedUp
            if not self.all_deals:
                self.all_deals = True
                self.deals.update((d.slug, d) for d in Deal.objects.all())
            self.deals.setdefault(slug, None)
        if self.deals[slug] is None:
            raise LineError(f"{where}: no deal {slug!r} (add it in the admin first)")
        return cast(Any, self.deals[slug])  # not None: checked above

    def _load_deal(self, deal: Deal) -> None:
        """Every phase and clause of a deal, with two queries, the first time one is asked for."""
        if deal.pk in self.loaded:
            return
        self.loaded.add(deal.pk)
        # Both are unique in their deal (phase_order_unique_in_deal, clause_reference_unique_in_deal).
        # Only what claim_validate reads and a claim's row takes (deals have hundreds
        # of clauses, each with its text).
        for phase in Phase.objects.filter(deal=deal).only("id", "deal_id", "order"):
            self.phases[(deal.pk, phase.order)] = phase
        clauses = Clause.objects.filter(deal=deal).only("id", "deal_id", "phase_id", "reference")
        for clause in clauses:
            self.clauses[(deal.pk, clause.reference)] = clause

    def phase(self, deal: Deal, order: int, where: str, *, query: bool = True) -> Phase:
        key = (deal.pk, order)
        if key not in self.phases:
            if not query:
                raise _NotLookedUp
            self._load_deal(deal)
            self.phases.setdefault(key, None)
        if self.phases[key] is None:
            raise LineError(f"{where}: deal {deal.slug!r} has no phase {order}")
        return cast(Any, self.phases[key])  # not None: checked above

    def clause(self, deal: Deal, reference: str, where: str, *, query: bool = True) -> Clause:
        key = (deal.pk, reference)
        if key not in self.clauses:
            if not query:
                raise _NotLookedUp
            self._load_deal(deal)
            self.clauses.setdefault(key, None)
        if self.clauses[key] is None:
            raise LineError(f"{where}: deal {deal.slug!r} has no clause {reference!r}")
        return cast(Any, self.clauses[key])  # not None: checked above


def _canonical_span(raw: str, text: str, p: PassageLine, where: str) -> tuple[int, int]:
    """The passage's offsets in the canonical text (which may differ from the raw one)."""
    if raw == text:
        if p.end > len(text):
            raise LineError(f"{where}: ends at {p.end}, past the end of the text ({len(text)})")
        if p.quote is not None and text[p.start : p.end] != p.quote:
            raise LineError(f"{where}: the quote is not the text at {p.start}–{p.end}")
        return p.start, p.end
    # Canonicalising moved the offsets: find the quote again, nearest its old place.
    if p.quote is None and p.end > len(raw):
        raise LineError(f"{where}: ends at {p.end}, past the end of the text ({len(raw)})")
    quote = canonicalize(p.quote if p.quote is not None else raw[p.start : p.end]).strip()
    if not quote:
        raise LineError(f"{where}: the passage is only whitespace")
    found: list[int] = []
    at = text.find(quote)
    while at != -1 and len(found) < 1000:
        found.append(at)
        at = text.find(quote, at + 1)
    if not found:
        raise LineError(f"{where}: its quote is not in the canonical text")
    start = min(found, key=lambda a: abs(a - p.start))
    return start, start + len(quote)


def _find_source(ref: str, where: str) -> Source:
    if ref.startswith("sha256:"):
        source = Source.objects.filter(text_hash=ref.removeprefix("sha256:")).order_by("id").first()
    else:
        source = Source.objects.filter(url=ref).first()
    if source is None:
        raise LineError(
            f"{where}: no source {ref!r} (it must come earlier in the file or be here already)"
        )
    return source


def _resolve_claims(
    line: SourceLine, refs: _References, *, query: bool = True
) -> list[dict[str, Any]]:
    """Each claim's fields with its parties, deal, phase and clause looked up and its
    rules checked (LineError names the claim): a bad reference leaves nothing behind."""
    resolved = []
    for i, c in enumerate(line.claims):
        where = f"claim {i}"
        deal = refs.deal(c.deal, where, query=query) if c.deal else None
        if (c.phase or c.clause) and deal is None:
            raise LineError(f"{where}: a phase or clause needs the claim's deal")
        data: dict[str, Any] = {
            "statement": c.statement,
            "attribution": c.attribution,
            "claimant": refs.party(c.claimant, where, query=query) if c.claimant else None,
            "subjects": [refs.party(s, where, query=query) for s in dict.fromkeys(c.subjects)],
            "deal": deal,
            "phase": refs.phase(cast(Deal, deal), c.phase, where, query=query) if c.phase else None,
            "clause": (
                refs.clause(cast(Deal, deal), c.clause, where, query=query) if c.clause else None
            ),
            "kind": c.kind,
            "compliance": c.compliance,
        }
        if c.compliance and c.compliance not in ClaimCompliance.values:
            raise LineError(
                f"{where}: compliance {c.compliance!r} is not one of {', '.join(ClaimCompliance.values)}"
            )
        try:
            claim_validate(data)
        except ValidationError as exc:
            raise LineError(
                f"{where}: " + "; ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from None
        resolved.append(data)
    return resolved


def _claim_build(c: ClaimLine, data: dict[str, Any], by) -> Claim:
    return unsaved(
        Claim,
        # What Claim.save() (SingleLineFields) would store: the import writes with COPY.
        statement=single_line(data["statement"]),
        attribution=single_line(data["attribution"]),
        claimant=data["claimant"],
        deal=data["deal"],
        phase=data["phase"],
        clause=data["clause"],
        kind=c.kind,
        compliance=c.compliance,
        made_on=c.made_on,
        made_on_precision=c.made_on_precision,
        verification=c.verification,
        is_published=c.published,
        published_at=(c.published_at or dt.datetime.now(dt.UTC)) if c.published else c.published_at,
        language=c.language,
        created_by=by,
    )


def import_line(line: SourceLine, *, refs: _References, by=None) -> tuple[int, int]:
    """Import one parsed line (inside the caller's transaction); return (passages, claims).

    The line-by-line path: import_lines takes it for a batch whose bulk insert
    failed. Raises DuplicateSource when the source is already here, LineError
    when a reference or an offset is wrong, ValidationError for text or claim rules.
    """
    resolved = _resolve_claims(line, refs)

    source = source_create(by=by, **_source_fields(line))
    revision = source.revisions.get(number=1)
    text = source.text
    spans: list[tuple[int, int]] = []
    new_passages: dict[tuple[int, int], Passage] = {}
    for i, p in enumerate(line.passages):
        span = _canonical_span(line.text, text, p, f"passage {i}")
        spans.append(span)
        if span in new_passages:  # the same span marked twice is one passage
            continue
        new_passages[span] = passage_build(source, revision, *span, note=p.note, by=by)
    if new_passages:
        bulk_create_with_history(list(new_passages.values()), Passage, default_user=by)

    evidence: list[Evidence] = []
    for c, data in zip(line.claims, resolved, strict=True):
        claim = _claim_build(c, data, by)
        credit(claim, by)
        claim.save()
        if data["subjects"]:
            claim.subjects.set(data["subjects"])
        linked: set[int] = set()
        for j, e in enumerate(c.evidence):
            if e.passage is not None:
                passage = new_passages[spans[e.passage]]
            else:
                where = f"claim evidence {j}"
                # Without a passage of this line, the evidence names a source and offsets.
                other = _find_source(cast(str, e.source), where)
                in_other = (
                    Passage.objects.filter(
                        source=other, start=cast(int, e.start), end=cast(int, e.end)
                    )
                    .order_by("id")
                    .first()
                )
                if in_other is None:
                    raise LineError(
                        f"{where}: source {e.source!r} has no passage at {e.start}–{e.end}"
                    )
                passage = in_other
            if passage.pk in linked:
                continue
            linked.add(passage.pk)
            evidence.append(
                Evidence(
                    claim=claim, passage=passage, relation=e.relation, note=e.note, created_by=by
                )
            )
    if evidence:
        bulk_create_with_history(evidence, Evidence, default_user=by)
    return len(new_passages), len(line.claims)


def import_lines(
    lines: Iterable[tuple[int, bytes | str]],
    *,
    by=None,
    batch_size: int = BATCH_SIZE,
    on_bad: Callable[[int, str], object] | None = None,
    on_batch: Callable[[int, ImportSummary], object] | None = None,
) -> ImportSummary:
    """Import (line number, line) pairs, committing every batch_size lines.

    Lines are pulled a batch at a time (batch_size lines, or fewer when they hold
    more than BATCH_BYTES), so memory does not grow with the file. A batch is
    read and built in Python (see read_ahead: the next one while this one is
    written), its duplicates found with one query, and its rows written with one
    COPY per table (see _Batch), on a connection of their own while the next batch
    is checked (see _Writer). A bad line is reported and skipped; the rest goes
    on. When on_batch is called, everything up to that line number is committed:
    an interrupted import keeps every batch reported done (the one being written is
    finished and reported first), and loses at most the one read ahead.

    Inside a transaction (a test's, or a caller's) batches are written one after
    the other on the caller's connection: another connection would not see what
    that transaction holds.
    """
    summary = ImportSummary()
    refs = _References()
    batches = read_ahead(_batches(lines, batch_size), by=by, refs=refs)
    if connection.in_atomic_block:
        for batch, reads in batches:
            with transaction.atomic():
                _import_batch(batch, reads, refs=refs, by=by, summary=summary, on_bad=on_bad)
            _batch_done(batch, summary, on_batch)
        return summary
    with _Writer() as writer:
        pending: tuple[Numbered, _Batch, Future] | None = None
        try:
            for batch, reads in batches:
                outcome = _Batch.checked(reads, refs=refs, by=by)
                outcome.prepare(in_flight=pending[1].lines if pending else ())
                if pending is not None:
                    written, pending = _finish(pending, refs, by, summary, on_bad, on_batch), None
                    if not written:  # written line by line: what this batch saw is stale
                        outcome = _Batch.checked(reads, refs=refs, by=by)
                        outcome.prepare()
                pending = (batch, outcome, writer.submit(outcome))
        finally:
            if pending is not None:
                _finish(pending, refs, by, summary, on_bad, on_batch)
    return summary


def _batch_done(batch: Numbered, summary: ImportSummary, on_batch) -> None:
    summary.lines += len(batch)
    if on_batch is not None:
        on_batch(batch[-1][0], summary)


def _finish(pending, refs, by, summary: ImportSummary, on_bad, on_batch) -> bool:
    """Wait for the batch being written; count it, or when the database refused it
    write it line by line (_import_one) on this thread's connection. Whether the
    bulk write went through."""
    batch, outcome, future = pending
    try:
        future.result()
    except DatabaseError:
        with transaction.atomic():
            _import_lines_one_by_one(batch, refs=refs, by=by, summary=summary, on_bad=on_bad)
        written = False
    else:
        outcome.count(summary, on_bad)
        written = True
    _batch_done(batch, summary, on_batch)
    return written


class _Writer:
    """Writes checked batches (_Batch.write), one at a time and each in its own
    transaction, in a thread with its own database connection, while the caller's
    thread checks the next batch (duplicates, references: about a quarter of the
    time of an import) on its connection. The database works on one batch while
    Python prepares the next one, instead of each waiting for the other.

    The next batch is checked before this one is committed: _Batch.prepare counts
    the lines being written as present (a line with the same URL or text is a
    duplicate) and lets evidence name their sources. When the database refuses the
    batch being written, the caller writes it line by line and checks the next one
    again. Batches are written in order, one after the other, so the evidence of
    a batch may rest on the passages of the one before it.
    """

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import write")

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info) -> None:
        # The thread's connection is its own: close it there (`connection` is looked up
        # in the thread that runs the lambda), then end the thread.
        self.pool.submit(lambda: connection.close()).result()
        self.pool.shutdown()

    def submit(self, outcome: _Batch) -> Future:
        return self.pool.submit(self._write, outcome)

    @staticmethod
    def _write(outcome: _Batch) -> None:
        with transaction.atomic():
            outcome.write()


Numbered = list[tuple[int, bytes | str]]


def _batches(lines: Iterable[tuple[int, bytes | str]], batch_size: int) -> Iterator[Numbered]:
    """The lines in batches of batch_size, or fewer when they hold BATCH_BYTES."""
    iterator = iter(lines)
    while True:
        batch: Numbered = []
        size = 0
        for number, raw in iterator:
            batch.append((number, raw))
            size += len(raw)
            if len(batch) >= batch_size or size >= BATCH_BYTES:
                break
        if not batch:
            return
        yield batch
        if len(batch) < batch_size and size < BATCH_BYTES:
            return


class _Unreadable:
    """A line that is not a valid line of the format (parse_line's LineError)."""

    def __init__(self, number: int, error: LineError) -> None:
        self.number, self.error = number, error


def _read_batch(batch: Numbered, *, by, refs: _References) -> list[_Line | _Unreadable]:
    reads: list[_Line | _Unreadable] = []
    for number, raw in batch:
        if raw.strip() or isinstance(raw, LongLine):
            try:
                reads.append(prepare_line(number, raw, by=by, refs=refs))
            except LineError as exc:
                reads.append(_Unreadable(number, exc))
    return reads


_DONE = object()


def read_ahead(
    batches: Iterator[Numbered], *, by, refs: _References
) -> Iterator[tuple[Numbered, list]]:
    """Each batch with its lines read and built (prepare_line), the next one read
    in a thread while the caller writes this one.

    The writing spends most of its time waiting for the database (triggers, index
    upkeep), the reading in Python (JSON, canonical text, anchoring): side by side
    they take about as long as the slower of the two instead of their sum. The
    thread never touches the database, so it sees nothing the caller's transaction
    has not committed; one batch at most waits read, so memory stays bounded. An
    exception in the thread (a bad read of the file, Ctrl-C in a test) is raised
    here, after the batches read before it.
    """
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand((batch, _read_batch(batch, by=by, refs=refs))):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            hand(exc)
            return
        hand(_DONE)

    reader = threading.Thread(target=read, name="import read-ahead", daemon=True)
    reader.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _import_batch(
    batch: Numbered, reads: list, *, refs: _References, by, summary: ImportSummary, on_bad
) -> None:
    """One batch, inside the caller's transaction: in bulk, or line by line when the
    bulk insert fails (a row the checks let through but the database refuses, or a
    source another writer added meanwhile), so one line never loses the others."""
    outcome = _Batch.checked(reads, refs=refs, by=by)
    try:
        with transaction.atomic():
            outcome.prepare()
            outcome.write()
    except DatabaseError:
        _import_lines_one_by_one(batch, refs=refs, by=by, summary=summary, on_bad=on_bad)
        return
    outcome.count(summary, on_bad)


def _import_lines_one_by_one(
    batch: Numbered, *, refs: _References, by, summary: ImportSummary, on_bad
) -> None:
    for number, raw in batch:
        if raw.strip() or isinstance(raw, LongLine):
            _import_one(number, raw, refs=refs, by=by, summary=summary, on_bad=on_bad)


def _report_bad(number: int, reason: str, *, summary: ImportSummary, on_bad) -> None:
    summary.bad += 1
    if len(summary.bad_lines) < 1000:
        summary.bad_lines.append((number, reason))
    if on_bad is not None:
        on_bad(number, reason)


def _import_one(number: int, raw, *, refs, by, summary: ImportSummary, on_bad) -> None:
    try:
        line = parse_line(raw)
        with transaction.atomic():
            passages, claims = import_line(line, refs=refs, by=by)
    except DuplicateSource:
        summary.skipped += 1
        return
    except (LineError, ValidationError) as exc:
        reason = str(exc) if isinstance(exc, LineError) else "; ".join(exc.messages)
        _report_bad(number, reason, summary=summary, on_bad=on_bad)
        return
    summary.imported += 1
    summary.passages += passages
    summary.claims += claims


@dataclass
class _Line:
    """A line read and built, not yet written; what is wrong with it is held, for
    _Batch to report in the order import_line checks (line, claims, source, passages)."""

    number: int
    line: SourceLine
    source: Source = cast(Source, None)  # set unless source_error
    revision: SourceRevision = cast(SourceRevision, None)
    source_error: ValidationError | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # each passage's, in order
    by_span: dict[tuple[int, int], Passage] = field(default_factory=dict)  # one per span
    anchor_error: LineError | None = None
    # The claims' references looked up and the claims built, by read_ahead's thread
    # when it knew every name (or why they are wrong), else by _Batch.take.
    claims: list[dict[str, Any]] | None = None
    claims_error: LineError | None = None
    built: list[Claim] = field(default_factory=list)

    def resolve(self, refs: _References, *, query: bool, by) -> None:
        try:
            self.claims = _resolve_claims(self.line, refs, query=query)
        except LineError as exc:
            self.claims_error = exc
            return
        self.built = [
            _claim_build(c, d, by) for c, d in zip(self.line.claims, self.claims, strict=True)
        ]

    def anchor(self, by) -> None:
        """The passages on the canonical text (LineError when one is not in it)."""
        by_span = self.by_span
        for i, p in enumerate(self.line.passages):
            span = _canonical_span(self.line.text, self.source.text, p, f"passage {i}")
            self.spans.append(span)
            if span not in by_span:  # the same span marked twice is one passage
                by_span[span] = passage_build(self.source, self.revision, *span, note=p.note, by=by)

    @property
    def passages(self) -> list[Passage]:
        return list(self.by_span.values())


def _source_fields(line: SourceLine) -> dict[str, Any]:
    """The line's source as source_create and source_build take it."""
    return {
        "text": line.text,
        "title": line.title,
        "kind": line.kind,
        "outlet": line.outlet,
        "author": line.author,
        "attribution": line.attribution,
        "url": line.url,
        "published_on": line.published_on,
        "language": line.language,
    }


def prepare_line(
    number: int, raw: bytes | str, *, by=None, refs: _References | None = None
) -> _Line:
    """Read one line and build what it holds, without the database (read_ahead's
    thread runs it): LineError when it is not a valid line; otherwise its claims
    resolved from the names refs already knows, its source and revision built and
    its passages anchored, or what was wrong with each."""
    item = _Line(number, parse_line(raw))
    if refs is not None:
        try:
            item.resolve(refs, query=False, by=by)
        except _NotLookedUp:
            item.claims = None  # left to _Batch.take, which may query
    try:
        item.source, item.revision = source_build(by=by, **_source_fields(item.line))
    except ValidationError as exc:
        item.source_error = exc
        return item
    try:
        item.anchor(by)
    except LineError as exc:
        item.anchor_error = exc
    return item


class _Batch:
    """The lines of one batch, checked in Python and written with one COPY per table.

    take() checks a line read by prepare_line as import_line would (same messages);
    prepare() finds the duplicates of the whole batch with one query (same URL or
    same text as a source already here, or as a line before it in the batch),
    and resolves the evidence of the rest; write() writes sources, revisions,
    passages, claims, their subjects and evidence in bulk, each with its history
    record credited to `by`. Outcomes (bad lines, skipped) are final only once
    write() is committed (count): a batch whose write fails is done again line by line.
    """

    @classmethod
    def checked(cls, reads: list[_Line | _Unreadable], *, refs: _References, by) -> _Batch:
        """A batch with each of its lines checked (take)."""
        outcome = cls(refs=refs, by=by)
        for read in reads:
            outcome.take(read)
        return outcome

    def __init__(self, *, refs: _References, by) -> None:
        self.refs = refs
        self.by = by
        self.taken: list[_Line] = []
        self.bad: list[tuple[int, str]] = []
        self.skipped = 0
        self.lines: list[_Line] = []
        self.passages: list[Passage] = []
        self.claims: list[Claim] = []
        self.subjects: list[list[Party]] = []
        self.evidence: list[Evidence] = []
        # Taken with the batch's other ids (_take_ids): its claims' history records',
        # their subjects' and those subjects' in the records.
        self.record_ids: list[int] = []
        self.subject_ids: list[int] = []
        self.recorded_ids: list[int] = []

    def take(self, read: _Line | _Unreadable) -> None:
        if isinstance(read, _Unreadable):
            self._bad(read.number, read.error)
            return
        if read.claims is None and read.claims_error is None:
            read.resolve(self.refs, query=True, by=self.by)
        try:
            if read.claims_error is not None:
                raise read.claims_error
            if read.source_error is not None:
                raise read.source_error
        except (LineError, ValidationError) as exc:
            self._bad(read.number, exc)
            return
        self.taken.append(read)

    def _bad(self, number: int, exc: LineError | ValidationError) -> None:
        reason = str(exc) if isinstance(exc, LineError) else "; ".join(exc.messages)
        self.bad.append((number, reason))

    def prepare(self, in_flight: Sequence[_Line] = ()) -> None:
        """Find the duplicates and resolve the evidence of the lines taken. in_flight:
        the lines of a batch being written and not yet committed (_Writer), which
        count as present and which evidence may name."""
        present_urls, present_hashes = self._present()
        for item in in_flight:
            if item.source.url:
                present_urls.add(item.source.url)
            present_hashes.add(item.source.text_hash)
        others = _OtherSources(self.taken, in_flight)
        for item in self.taken:
            source = item.source
            if (source.url and source.url in present_urls) or source.text_hash in present_hashes:
                self.skipped += 1
                continue
            try:
                self._build(item, others)
            except LineError as exc:
                self._bad(item.number, exc)
                continue
            self.lines.append(item)
            others.add(item)
            if source.url:
                present_urls.add(source.url)
            present_hashes.add(source.text_hash)
        self.bad.sort()
        self._take_ids()

    def _take_ids(self) -> None:
        """The ids of every row write() adds, taken here, on the checking connection
        (take_ids): the writing connection is what bounds an import, and taking
        about 12,000 ids a batch was a twentieth of its time."""
        subjects = sum(len(parties) for parties in self.subjects)
        rows: list[tuple[type[Model], Sequence[Model]]] = [
            (Source, [item.source for item in self.lines]),
            (SourceRevision, [item.revision for item in self.lines]),
            (Passage, self.passages),
            (Claim, self.claims),
            (Evidence, self.evidence),
        ]
        *row_ids, self.record_ids, self.subject_ids, self.recorded_ids = take_ids(
            *((model, len(objs)) for model, objs in rows),
            (Claim.history.model, len(self.claims)),
            (Claim.subjects.through, subjects),
            (_recorded_subjects(), subjects),
        )
        for (_, objs), ids in zip(rows, row_ids, strict=True):
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk

    def count(self, summary: ImportSummary, on_bad) -> None:
        """Report the batch's bad lines and count what it wrote (once write() is committed)."""
        for number, reason in self.bad:
            _report_bad(number, reason, summary=summary, on_bad=on_bad)
        summary.skipped += self.skipped
        summary.imported += len(self.lines)
        summary.passages += len(self.passages)
        summary.claims += len(self.claims)

    def _present(self) -> tuple[set[str], set[str]]:
        """The URLs and text hashes of the batch that sources already here have."""
        urls = {item.source.url for item in self.taken if item.source.url}
        hashes = {item.source.text_hash for item in self.taken}
        if not self.taken:
            return set(), set()
        rows = Source.objects.filter(_by_url_or_hash(urls, hashes)).values_list("url", "text_hash")
        present_urls, present_hashes = set(), set()
        for url, digest in rows:
            if url in urls:
                present_urls.add(url)
            if digest in hashes:
                present_hashes.add(digest)
        return present_urls, present_hashes

    def _build(self, item: _Line, others: _OtherSources) -> None:
        """Resolve the line's evidence (LineError, or its passages': nothing kept)."""
        if item.anchor_error is not None:
            raise item.anchor_error
        line, by = item.line, self.by
        by_span, spans = item.by_span, item.spans
        claims: list[Claim] = []
        evidence: list[Evidence] = []
        for c, claim in zip(line.claims, item.built, strict=True):
            claims.append(claim)
            linked: set[int] = set()
            for j, e in enumerate(c.evidence):
                if e.passage is not None:
                    passage = by_span[spans[e.passage]]
                else:
                    passage = others.passage(
                        cast(str, e.source), cast(int, e.start), cast(int, e.end), item.number, j
                    )
                if id(passage) in linked:
                    continue
                linked.add(id(passage))
                evidence.append(
                    unsaved(
                        Evidence,
                        claim=claim,
                        passage=passage,
                        relation=e.relation,
                        note=e.note,
                        created_by=by,
                    )
                )
        self.passages.extend(item.passages)
        self.claims.extend(claims)
        self.subjects.extend(data["subjects"] for data in cast(list, item.claims))
        self.evidence.extend(evidence)

    def write(self) -> None:
        """Write the lines prepare() kept, inside the caller's transaction."""
        if not self.lines:
            return
        by = self.by
        sources_insert(
            [item.source for item in self.lines],
            [item.revision for item in self.lines],
            self.passages,
            by=by,
        )
        now = dj_timezone.now()
        rows_insert(Claim, self.claims)
        records = history_insert(Claim, self.claims, by=by, now=now, ids=self.record_ids)
        # Each claim's subjects, and the same rows in its '+' history record (the claim
        # as created, subjects included).
        subjects, recorded = [], []
        for claim, record, parties in zip(self.claims, records, self.subjects, strict=True):
            for party in parties:
                subjects.append((claim.pk, party.pk))
                recorded.append(record)
        ids = values_insert(
            Claim.subjects.through, ["claim_id", "party_id"], subjects, ids=self.subject_ids
        )
        values_insert(
            _recorded_subjects(),
            ["history_id", "id", "claim_id", "party_id"],
            [(r, i, c, p) for r, i, (c, p) in zip(recorded, ids, subjects, strict=True)],
            ids=self.recorded_ids,
        )
        rows_insert(Evidence, self.evidence)
        history_insert(Evidence, self.evidence, by=by, now=now)


def _recorded_subjects() -> type[Model]:
    """The model simple_history keeps a historical claim's subjects in."""
    return HistoricalRecords.m2m_models[Claim._meta.get_field("subjects")]


def _by_url_or_hash(urls: set[str], hashes: set[str]) -> Q:
    """Sources with one of these URLs or text hashes. URLs are unique only where not
    empty (a partial index): saying so lets PostgreSQL use it, where a list of URLs
    alone read the whole table (60 ms at scale 1, per batch)."""
    return (Q(url__in=urls) & ~Q(url="")) | Q(text_hash__in=hashes)


class _OtherSources:
    """Sources a batch's evidence names by URL or sha256:<text hash>, and their passages:
    the ones already here (looked up once for the whole batch) and the earlier lines
    of the batch, as _find_source and import_line would find them."""

    def __init__(self, taken: list[_Line], in_flight: Sequence[_Line] = ()) -> None:
        refs = {
            e.source for item in taken for c in item.line.claims for e in c.evidence if e.source
        }
        hashes = {r.removeprefix("sha256:") for r in refs if r.startswith("sha256:")}
        urls = {r for r in refs if not r.startswith("sha256:")}
        self.by_url: dict[str, Source | _Line] = {}
        self.by_hash: dict[str, Source | _Line] = {}
        ids: set[int] = set()
        if refs:
            found = Source.objects.filter(_by_url_or_hash(urls, hashes))
            for source in found.only("id", "url", "text_hash").order_by("id"):
                if source.url in urls:
                    self.by_url[source.url] = source
                    ids.add(source.pk)
                if source.text_hash in hashes and source.text_hash not in self.by_hash:
                    self.by_hash[source.text_hash] = source
                    ids.add(source.pk)
        self.spans: dict[tuple[int, int, int], Passage] = {}
        passages = Passage.objects.filter(source_id__in=ids).only("id", "source_id", "start", "end")
        for p in passages.order_by("id") if ids else ():
            self.spans.setdefault((p.source_id, p.start, p.end), p)
        for item in in_flight:  # being written: after every source already here
            self.add(item)

    def add(self, item: _Line) -> None:
        """A line of the batch that later lines may name."""
        if item.source.url:
            self.by_url.setdefault(item.source.url, item)
        self.by_hash.setdefault(item.source.text_hash, item)

    def passage(self, ref: str, start: int, end: int, number: int, j: int) -> Passage:
        where = f"claim evidence {j}"
        if ref.startswith("sha256:"):
            other = self.by_hash.get(ref.removeprefix("sha256:"))
        else:
            other = self.by_url.get(ref)
        if other is None:
            raise LineError(
                f"{where}: no source {ref!r} (it must come earlier in the file or be here already)"
            )
        if isinstance(other, _Line):
            found = other.by_span.get((start, end))
        else:
            found = self.spans.get((other.pk, start, end))
        if found is None:
            raise LineError(f"{where}: source {ref!r} has no passage at {start}–{end}")
        return found


class LongLine(bytes):
    """Stands for a line longer than numbered_lines' limit (its bytes were not kept)."""

    size: int = 0


def numbered_lines(
    stream,
    *,
    on_bytes: Callable[[int], object] | None = None,
    max_bytes: int | None = None,
) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of a binary stream, read lazily.

    A line longer than max_bytes (default MAX_LINE_BYTES) is never held whole: it
    is read past in pieces and stands as an empty LongLine carrying its size, for
    the reader to refuse.
    """
    max_bytes = max_bytes or MAX_LINE_BYTES
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if size > max_bytes and not raw.endswith(b"\n"):
            while not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
                if not raw:
                    break
                size += len(raw)
            raw = LongLine()
            raw.size = size
        if on_bytes is not None:
            on_bytes(size)
        yield number, raw


# --- export ---------------------------------------------------------------------


def source_ref(source: Source) -> str:
    """How another line names this source: its URL, or its text hash when it has none."""
    return source.url or f"sha256:{source.text_hash}"


def export_lines(*, chunk_size: int = 500) -> Iterator[str]:
    """Every source as one JSON line, in id order, read chunk by chunk (keyset on id)."""
    after = 0
    while True:
        sources = list(Source.objects.filter(pk__gt=after).order_by("pk")[:chunk_size])
        if not sources:
            return
        after = sources[-1].pk
        yield from _export_chunk(sources)


def _export_chunk(sources: list[Source]) -> Iterator[str]:
    ids = [s.pk for s in sources]
    passages: dict[int, list[Passage]] = {pk: [] for pk in ids}
    for p in Passage.objects.filter(source_id__in=ids).order_by("source_id", "start", "end", "id"):
        passages[p.source_id].append(p)
    by_source = {s.pk: s for s in sources}
    # Only passages on the current text travel (an orphaned one points at an old revision).
    for s in sources:
        passages[s.pk] = [p for p in passages[s.pk] if s.text[p.start : p.end] == p.quote]
    index = {p.pk: i for ps in passages.values() for i, p in enumerate(ps)}
    touched = (
        Evidence.objects.filter(passage__source_id__in=ids)
        .values_list("claim_id", flat=True)
        .distinct()
    )
    homes = dict(
        Evidence.objects.filter(claim_id__in=touched)
        .values("claim_id")
        .annotate(home=Max("passage__source_id"))
        .values_list("claim_id", "home")
    )
    claims = (
        Claim.objects.filter(pk__in=[c for c, home in homes.items() if home in by_source])
        .select_related("claimant", "deal", "phase", "clause")
        .prefetch_related(
            Prefetch("subjects", queryset=Party.objects.order_by("slug")),
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("passage__source").order_by("id"),
            ),
        )
        .order_by("id")
    )
    claims_of: dict[int, list[dict]] = {pk: [] for pk in ids}
    for claim in claims:
        home = homes[claim.pk]
        evidence = []
        for e in claim.evidence.all():
            p = e.passage
            if p.source_id == home:
                if p.pk not in index:
                    continue
                evidence.append({"passage": index[p.pk], "relation": e.relation, "note": e.note})
            else:
                evidence.append(
                    {
                        "source": source_ref(p.source),
                        "start": p.start,
                        "end": p.end,
                        "relation": e.relation,
                        "note": e.note,
                    }
                )
        claims_of[home].append(_claim_json(claim, evidence))
    for s in sources:
        yield json.dumps(
            {
                "url": s.url,
                "title": s.title,
                "kind": s.kind,
                "outlet": s.outlet,
                "author": s.author,
                "attribution": s.attribution,
                "published_on": s.published_on.isoformat() if s.published_on else None,
                "language": s.language,
                "text": s.text,
                "passages": [
                    {"start": p.start, "end": p.end, "quote": p.quote, "note": p.note}
                    for p in passages[s.pk]
                ],
                "claims": claims_of[s.pk],
            },
            ensure_ascii=False,
        )


def _claim_json(claim: Claim, evidence: list[dict]) -> dict:
    return {
        "statement": claim.statement,
        "attribution": claim.attribution,
        "claimant": claim.claimant.slug if claim.claimant else None,
        "subjects": [p.slug for p in claim.subjects.all()],
        "deal": claim.deal.slug if claim.deal else None,
        "phase": claim.phase.order if claim.phase else None,
        "clause": claim.clause.reference if claim.clause else None,
        "kind": claim.kind,
        "compliance": claim.compliance,
        "made_on": claim.made_on.isoformat() if claim.made_on else None,
        "made_on_precision": claim.made_on_precision,
        "verification": claim.verification,
        "published": claim.is_published,
        "published_at": claim.published_at.isoformat() if claim.published_at else None,
        "language": claim.language,
        "evidence": evidence,
    }
