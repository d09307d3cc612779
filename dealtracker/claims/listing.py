"""The claims list: its filters, its order and its keyset pages.

The list, its CSV and the search's "more claims" link share these reads, so a
filter means the same thing everywhere.

Order: by date made, newest first (or oldest first), then by id. A claim with
no date sorts as the oldest (it comes last when newest come first). Pages are
keyset pages on (sort date, id) — no OFFSET and no COUNT(*) over the table —
and the indexes of claims migration 0003 serve both directions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from dealtracker.accounts.roles import sees_drafts
from dealtracker.db.statements import (
    compiled_derived,
    compiled_prefetch,
    compiled_slice,
    compiled_then,
)
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.fulltext.matching import text_matches

from .models import Claim

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _SortDate(TypedDict):
        sort_date: dt.date

    # A claim of the list: annotated with the date it sorts by.
    Listed = WithAnnotations[Claim, _SortDate]
from .queries import claims_seen, subjects_prefetch

# An undated claim sorts as if made on this day (before any real one). The
# same expression is indexed in claims migration 0003; keep them identical.
UNDATED = dt.date(1, 1, 1)
PAGE_SIZE = 25


def sort_date() -> Coalesce:
    # The day written into the SQL, not sent as a parameter: a prepared statement's
    # generic plan (dealtracker/db/prepared.py) can match the indexed expression only
    # when it holds the constant itself.
    undated = RawSQL(  # noqa: S611 — a constant of this module, no input
        f"'{UNDATED.isoformat()}'::date", (), output_field=DateField()
    )
    return Coalesce(F("made_on"), undated)


@dataclass(frozen=True)
class ClaimFilters:
    """What the claims list is narrowed to. Empty values mean "any"."""

    deal: Deal | None = None
    phase: Phase | None = None
    clause: Clause | None = None
    claimant: Party | None = None
    subject: Party | None = None
    kind: str = ""
    compliance: str = ""
    verification: str = ""
    made_from: dt.date | None = None
    made_to: dt.date | None = None
    q: str = ""
    oldest_first: bool = False

    @property
    def is_empty(self) -> bool:
        return not any(
            [
                self.deal,
                self.phase,
                self.clause,
                self.claimant,
                self.subject,
                self.kind,
                self.compliance,
                self.verification,
                self.made_from,
                self.made_to,
                self.q,
            ]
        )


def claims_of_deal(deal_id: int) -> Q:
    """Claims of a deal, whether about the deal, one of its phases or one of its clauses.

    A claim's phase and clause always belong to its deal (claims/services.py
    refuses anything else), so this is one indexed test (claims migration 0005).
    """
    return Q(deal_id=deal_id)


def claims_about(party_id: int) -> Exists:
    """The party is one of the claim's subjects (index on the through table's party_id)."""
    through = Claim.subjects.through
    return Exists(through.objects.filter(claim_id=OuterRef("pk"), party_id=party_id))


def filtered_claims(*, user, filters: ClaimFilters) -> QuerySet[Claim]:
    """The claims the user may see, narrowed by the filters, in list order."""
    return _claims_filtered(
        drafts=sees_drafts(user), oldest_first=filters.oldest_first, **_filter_values(filters)
    )


def listed_claims(
    *, user, filters: ClaimFilters, details: Callable[[QuerySet[Claim]], QuerySet[Claim]]
) -> QuerySet[Claim]:
    """details(filtered_claims(...)), its SQL compiled once per shape of the filters
    (which are set, the order, who sees drafts) and `details` (a module-level function
    giving the rows what a reader of them shows): the list, its CSV and the API pass
    it to claim_page() and claims_by_keyset(), whose pages are compiled once too."""
    values = _filter_values(filters)
    drafts = sees_drafts(user)
    return compiled_then(
        ("claims.listed", drafts, filters.oldest_first, *sorted(values)),
        partial(_claims_filtered, drafts=drafts, oldest_first=filters.oldest_first),
        details,
        **values,
    )


def _filter_values(filters: ClaimFilters) -> dict[str, Any]:
    """The filters set, as the values of _claims_filtered (ids for the objects)."""
    values: dict[str, Any] = {}
    if filters.clause is not None:
        values["clause_id"] = filters.clause.pk
    elif filters.phase is not None:
        values["phase_id"] = filters.phase.pk
    elif filters.deal is not None:
        values["deal_id"] = filters.deal.pk
    if filters.claimant is not None:
        values["claimant_id"] = filters.claimant.pk
    if filters.subject is not None:
        values["subject_id"] = filters.subject.pk
    for name in ("kind", "compliance", "verification", "made_from", "made_to", "q"):
        if getattr(filters, name):
            values[name] = getattr(filters, name)
    return values


def _claims_filtered(
    *,
    drafts: bool,
    oldest_first: bool,
    clause_id: int | None = None,
    phase_id: int | None = None,
    deal_id: int | None = None,
    claimant_id: int | None = None,
    subject_id: int | None = None,
    kind: str = "",
    compliance: str = "",
    verification: str = "",
    made_from: dt.date | None = None,
    made_to: dt.date | None = None,
    q: str = "",
) -> QuerySet[Claim]:
    claims = claims_seen(drafts=drafts).annotate(sort_date=sort_date())
    if clause_id is not None:
        claims = claims.filter(clause_id=clause_id)
    elif phase_id is not None:
        # A claim about a phase: said of the phase itself or of one of its clauses.
        claims = claims.filter(
            Q(phase_id=phase_id)
            | Q(clause_id__in=Clause.objects.filter(phase_id=phase_id).values("pk"))
        )
    elif deal_id is not None:
        claims = claims.filter(claims_of_deal(deal_id))
    if claimant_id is not None:
        claims = claims.filter(claimant_id=claimant_id)
    if subject_id is not None:
        claims = claims.filter(claims_about(subject_id))
    if kind:
        claims = claims.filter(kind=kind)
    if compliance:
        claims = claims.filter(compliance=compliance)
    if verification:
        claims = claims.filter(verification=verification)
    if made_from:
        # On the sort date, so the range bounds the index scan.
        claims = claims.filter(sort_date__gte=made_from)
    if made_to:
        claims = claims.filter(made_on__isnull=False, sort_date__lte=made_to)
    if q:
        claims = claims.filter(text_matches(q))
    if oldest_first:
        return claims.order_by("sort_date", "id")
    return claims.order_by("-sort_date", "-id")


def with_list_details(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """What a row of the list shows: claimant, deal, phase, clause, subjects.

    Prefetched (one small query each) rather than joined: eight joins make the
    page query slow to plan and, with a subject filter, PostgreSQL joins every
    scanned row before testing it.
    """
    lookups: list[Prefetch] = [  # of four models: no one type for a type checker to infer
        compiled_prefetch("claims.list.claimant", "claimant", Party.objects.all()),
        compiled_prefetch("claims.list.deal", "deal", Deal.objects.only("id", "slug", "title")),
        compiled_prefetch("claims.list.phase", "phase", Phase.objects.select_related("deal")),
        compiled_prefetch(
            "claims.list.clause", "clause", Clause.objects.select_related("deal", "phase")
        ),
        subjects_prefetch(),
    ]
    return claims.prefetch_related(*lookups)


# --- keyset pages --------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in the list: the (sort date, id) of a row."""

    day: dt.date
    pk: int

    def __str__(self) -> str:
        return f"{self.day.isoformat()}.{self.pk}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        """'2025-03-02.123' -> Cursor; ValueError when it is not one."""
        day, sep, pk = raw.partition(".")
        if not sep or not pk.isdigit() or len(pk) > 18:
            raise ValueError(f"not a list position: {raw!r}")
        return cls(dt.date.fromisoformat(day), int(pk))

    @classmethod
    def of(cls, claim: Claim) -> Cursor:
        return cls(cast("Listed", claim).sort_date, claim.pk)  # a claim of the list


class _RowCompare(Func):
    """(a, b) < (c, d): a row comparison PostgreSQL uses as an index-scan bound."""

    arity = 4

    def __init__(self, a, b, c, d, *, op: str):
        self.op = op
        super().__init__(a, b, c, d, output_field=BooleanField())

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params.extend(p)
        return f"(({parts[0]}, {parts[1]}) {self.op} ({parts[2]}, {parts[3]}))", params


def _beyond(cursor: Cursor, *, op: str) -> _RowCompare:
    return _RowCompare(
        sort_date(),
        F("id"),
        Value(cursor.day, output_field=DateField()),
        Value(cursor.pk),
        op=op,
    )


@dataclass
class ClaimPage:
    claims: list[Claim]
    next_cursor: Cursor | None = None
    prev_cursor: Cursor | None = None
    # How many claims match, shown as "N claims" or "more than <cap> claims": the
    # facets count them (claims/facets.py), up to their bounded scan.
    total: int = 0
    total_capped: bool = False
    cap: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_label(self) -> str:
        noun = "claim" if self.total == 1 else "claims"
        if self.total_capped:
            return f"more than {self.cap:,} claims"
        return f"{self.total:,} {noun}"


def claim_page(
    claims: QuerySet[Claim],
    *,
    oldest_first: bool,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> ClaimPage:
    """One page of an ordered `filtered_claims` queryset, after or before a position.

    No count query: the caller sets the page's total (the facets count the matches).
    """
    # "After" means further along the list's order, whichever way it runs.
    forward_op, backward_op = (">", "<") if oldest_first else ("<", ">")
    if before is not None:
        rows = list(
            compiled_derived(
                claims,
                ("before", backward_op, size),
                partial(_rows_beyond, op=backward_op, size=size, backwards=True),
                day=before.day,
                pk=before.pk,
            )
        )
        has_more_before = len(rows) > size
        rows = rows[:size][::-1]
        page = ClaimPage(claims=rows)
        page.next_cursor = Cursor.of(rows[-1]) if rows else before
        page.prev_cursor = Cursor.of(rows[0]) if rows and has_more_before else None
    else:
        if after is None:
            page_qs = compiled_slice(claims, slice(0, size + 1))
        else:
            page_qs = compiled_derived(
                claims,
                ("after", forward_op, size),
                partial(_rows_beyond, op=forward_op, size=size, backwards=False),
                day=after.day,
                pk=after.pk,
            )
        rows = list(page_qs)
        has_more = len(rows) > size
        rows = rows[:size]
        page = ClaimPage(claims=rows)
        page.next_cursor = Cursor.of(rows[-1]) if has_more else None
        page.prev_cursor = Cursor.of(rows[0]) if after is not None and rows else None
    return page


def _rows_beyond(
    claims: QuerySet[Claim], *, day: dt.date, pk: int, op: str, size: int, backwards: bool
) -> QuerySet[Claim]:
    """The size + 1 rows past (day, pk) in the list's order (against it when backwards)."""
    beyond = claims.filter(_beyond(Cursor(day, pk), op=op))
    return (beyond.reverse() if backwards else beyond)[: size + 1]


FIRST_CHUNK = 10
CHUNK_GROWTH = 4


def claims_by_keyset(
    claims: QuerySet[Claim], *, oldest_first: bool, chunk_size: int = 500
) -> Iterator[Claim]:
    """Every claim of an ordered `filtered_claims` queryset, read a keyset page at a time.

    For exports of the whole list: each chunk is an index walk from where the last one
    ended, so the first rows come at once and no server-side cursor is held open (a
    cursor outside a transaction is WITH HOLD, which PostgreSQL materialises whole
    before the first row: 1.3 s for 200,000 claims)."""
    after: Cursor | None = None
    # A small first chunk, the next ones each CHUNK_GROWTH times larger up to
    # chunk_size: the download starts at once (the first chunk's rows are built before
    # the first byte goes out: claim_csv reads one so that a failing query is an error
    # page), and a client that leaves early (a preview, a cancelled download) costs its
    # worker a small chunk more, not 500 rows, before the worker finds it gone. Against
    # 50 then 500: first byte of the whole archive's CSV 21 -> 12 ms (p50, two clients
    # reading the first chunk only, gunicorn), for three keyset queries more in all.
    size = min(FIRST_CHUNK, chunk_size)
    while True:
        page = claim_page(claims, oldest_first=oldest_first, after=after, size=size)
        yield from page.claims
        if page.next_cursor is None:
            return
        after, size = page.next_cursor, min(size * CHUNK_GROWTH, chunk_size)
