"""Reused reads of claims and their evidence.

Every function returns a queryset with its joins already done, so a page that
lists what it returns runs a fixed number of queries however many rows there are.
`visible_claims` and `visible_assessments` are the gates, by the one visibility
rule (accounts/roles.py `sees_drafts`): public visitors never see drafts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest

from dealtracker.accounts.roles import sees_drafts
from dealtracker.db.any_of import any_of, any_of_values
from dealtracker.db.shared_parent import share_parent
from dealtracker.db.statements import compiled, compiled_get, compiled_prefetch
from dealtracker.deals.facts import deals_with_facts
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.deals.queries import deals_for_list
from dealtracker.fulltext.matching import text_matches
from dealtracker.sources.models import CONTEXT_CHARS as PASSAGE_CONTEXT_CHARS
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.queries import sources_with_counts
from dealtracker.sources.snippets import context_after, context_before

from .models import Assessment, Claim, DealComplianceCount, Evidence

_Rows = TypeVar("_Rows", bound=QuerySet)

# A claim's own columns but its search vector (kept by a trigger, never read in Python).
CLAIM_OWN_FIELDS = tuple(
    field.name for field in Claim._meta.concrete_fields if field.name != "search_vector"
)


def visible_claims(*, user) -> QuerySet[Claim]:
    """The claims this user may see: published ones, plus drafts for logged-in readers."""
    return claims_seen(drafts=sees_drafts(user))


def claims_seen(*, drafts: bool) -> QuerySet[Claim]:
    """Every claim when drafts are seen, else the published ones."""
    return Claim.objects.all() if drafts else Claim.objects.filter(is_published=True)


def compiled_as_seen(key: Hashable, build: Callable[..., _Rows], *, user, **values: Any) -> _Rows:
    """compiled() of build(drafts=…, **values): a statement whose SQL differs by whether
    the user sees drafts, one for each."""
    drafts = sees_drafts(user)
    return compiled((key, drafts), partial(build, drafts=drafts), **values)


def visible_assessments(*, user) -> QuerySet[Assessment]:
    """The assessments this user may see: published ones, plus drafts for logged-in readers."""
    return assessments_seen(drafts=sees_drafts(user))


def assessments_seen(*, drafts: bool) -> QuerySet[Assessment]:
    """Every assessment when drafts are seen, else the published ones."""
    return Assessment.objects.all() if drafts else Assessment.objects.filter(is_published=True)


def subjects_prefetch() -> Prefetch:
    """A claim's subjects by name (then by id), every field."""
    return compiled_prefetch("claims.subjects", "subjects", Party.objects.order_by("name", "id"))


def evidence_prefetch(*, to_attr: str | None = None) -> Prefetch:
    """Evidence of claims with the passage, and each source once (its text can be long).
    The passage's anchored revision comes along without its text, for its page."""
    return compiled_prefetch(
        "claims.evidence",
        "evidence",
        Evidence.objects.select_related("passage__revision_anchored")
        .defer("passage__revision_anchored__text")
        .prefetch_related(
            compiled_prefetch(
                "claims.evidence.source",
                "passage__source",
                Source.objects.defer("search_vector"),
            )
        )
        .order_by("id"),
        to_attr=to_attr,
    )


# What a claim row (desk/claim_rows.py) reads of the rows joined to a claim. Fewer
# columns are fewer for Django to compile and for PostgreSQL to send, and fewer objects'
# fields to fill: the claim row query had 97 columns and five tables; it has 37 and four
# (the clause's phase was never read).
CLAIM_ROW_JOINED_FIELDS = (
    "claimant__name",
    "claimant__short_name",
    "claimant__slug",
    "deal__slug",
    "deal__title",
    "phase__deal",
    "phase__order",
    "phase__name",
    "clause__deal",
    "clause__phase",
    "clause__reference",
    "clause__title",
)


def with_claim_details(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """What a claim row shows: claimant, subjects, clause/phase/deal and evidence count.

    The claim's own fields all come (its search vector aside); of the joined rows, only
    what a row shows (CLAIM_ROW_JOINED_FIELDS). Any other field read loads on its own,
    one query per row, which the pages' query-count tests would catch."""
    claims = (
        claims.select_related("claimant", "deal", "phase", "clause")
        .only(*CLAIM_OWN_FIELDS, *CLAIM_ROW_JOINED_FIELDS)
        .prefetch_related(
            compiled_prefetch(
                "claims.row_subjects",
                "subjects",
                Party.objects.only("name", "short_name", "slug").order_by("name", "id"),
            ),
        )
        .annotate(evidence_count=_evidence_count())
        .order_by("-made_on", "-id")
    )
    # A claim's clause and phase belong to its own deal: no join for their deals.
    return share_parent(claims, parent="deal", children=("clause", "phase"))


def _evidence_count():
    # A subquery rather than a join + GROUP BY over every joined row.
    return Coalesce(
        Subquery(
            Evidence.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def claims_for_clause(*, clause: Clause, user) -> QuerySet[Claim]:
    """Every claim about a clause the user may see, newest first, with its evidence."""
    return compiled_as_seen(
        "claims.claims_for_clause", _claims_for_clause, user=user, clause_id=clause.pk
    )


def _claims_for_clause(*, clause_id: int, drafts: bool) -> QuerySet[Claim]:
    claims = claims_seen(drafts=drafts).filter(clause_id=clause_id)
    return with_claim_details(claims).prefetch_related(evidence_prefetch())


def claims_for_phase(*, phase: Phase, user) -> QuerySet[Claim]:
    """Claims about a phase: said of the phase itself or of one of its clauses."""
    return compiled_as_seen(
        "claims.claims_for_phase", _claims_for_phase, user=user, phase_id=phase.pk
    )


def _claims_for_phase(*, phase_id: int, drafts: bool) -> QuerySet[Claim]:
    clauses = Clause.objects.filter(phase_id=phase_id).order_by().values("pk")
    claims = claims_seen(drafts=drafts).filter(Q(phase_id=phase_id) | any_of("clause_id", clauses))
    return with_claim_details(claims).prefetch_related(evidence_prefetch())


def claims_for_deal(*, deal: Deal, user) -> QuerySet[Claim]:
    """Claims tied to a deal directly or through one of its phases or clauses.

    A claim on a clause or phase always has that deal as its own (the claims service
    refuses anything else), so `deal_id = X` finds them all — one index walk
    (claims migration 0007) where an OR over the joined clause and phase read every
    claim newest first."""
    return with_claim_details(visible_claims(user=user).filter(deal=deal))


def recent_claims_for_deal(*, deal: Deal, user, limit: int = 8) -> QuerySet[Claim]:
    """claims_for_deal()'s first `limit`. Iterate it as it is."""
    return compiled_as_seen(
        ("claims.recent_claims_for_deal", limit),
        partial(_recent_claims_for_deal, limit=limit),
        user=user,
        deal_id=deal.pk,
    )


def _recent_claims_for_deal(*, deal_id: int, drafts: bool, limit: int) -> QuerySet[Claim]:
    return with_claim_details(claims_seen(drafts=drafts).filter(deal_id=deal_id))[:limit]


def claims_made_by_party(*, party: Party, user) -> QuerySet[Claim]:
    """Claims the party made (it is the claimant)."""
    return compiled_as_seen(
        "claims.claims_made_by_party", _claims_made_by_party, user=user, party_id=party.pk
    )


def _claims_made_by_party(*, party_id: int, drafts: bool) -> QuerySet[Claim]:
    return with_claim_details(claims_seen(drafts=drafts).filter(claimant_id=party_id))


def claims_about_party(*, party: Party, user) -> QuerySet[Claim]:
    """Claims about the party (it is one of the subjects)."""
    return compiled_as_seen(
        "claims.claims_about_party", _claims_about_party, user=user, party_id=party.pk
    )


def _claims_about_party(*, party_id: int, drafts: bool) -> QuerySet[Claim]:
    return with_claim_details(claims_seen(drafts=drafts).filter(subjects=party_id))


def claims_in_matrix_cell(*, clause: Clause, party: Party, user) -> QuerySet[Claim]:
    """The claims one compliance-matrix cell counts (and the refuted ones it strikes through)."""
    claims = visible_claims(user=user).filter(
        kind=Claim.Kind.COMPLIANCE, clause=clause, subjects=party
    )
    return with_claim_details(claims).prefetch_related(evidence_prefetch())


def latest_claims(*, user, limit: int = 10) -> QuerySet[Claim]:
    """The newest claims across deals (by date made, then by id). Iterate it as it is."""
    return compiled_as_seen(
        ("claims.latest_claims", limit), partial(_latest_claims, limit=limit), user=user
    )


def _latest_claims(*, drafts: bool, limit: int) -> QuerySet[Claim]:
    return with_claim_details(claims_seen(drafts=drafts)).order_by("-made_on", "-id")[:limit]


def claim_for_page(*, pk: int, user) -> Claim:
    """One claim with everything its page shows; raises Claim.DoesNotExist when hidden."""
    drafts = sees_drafts(user)
    return compiled_get(
        ("claims.claim_for_page", drafts), partial(_claim_for_page, drafts=drafts), pk=pk
    )


def _claim_for_page(*, pk: int, drafts: bool) -> QuerySet[Claim]:
    claims = claims_seen(drafts=drafts).select_related(
        "claimant", "deal", "phase__deal", "clause__deal", "clause__phase"
    )
    return claims.prefetch_related(subjects_prefetch(), evidence_prefetch()).filter(pk=pk)


def sources_for_list(
    *,
    kind: str | None = None,
    language: str | None = None,
    outlet: str | None = None,
    q: str | None = None,
) -> QuerySet[Source]:
    """Sources filtered as the sources list filters them (without their text), newest first.

    `q` is matched against title, outlet, author and text (the indexed search vector);
    pass it cleaned (fulltext.matching.clean_query_text) and accepted (query_problem)."""
    sources = _sources_filtered(kind=kind, language=language, outlet=outlet)
    q = (q or "").strip()
    if q:
        sources = sources.filter(text_matches(q))
    return sources


def source_list_rows(
    *,
    user,
    kind: str | None = None,
    language: str | None = None,
    outlet: str | None = None,
    q: str | None = None,
) -> tuple[QuerySet[Source], QuerySet[Source]]:
    """The sources list's rows (sources_for_list, each with its counts and the source it
    duplicates), and the sources they are (to count and page). Compiled once for the
    filters given, unless searched (a text match is planned for its words)."""
    drafts = sees_drafts(user)
    if (q or "").strip():
        sources = sources_for_list(kind=kind, language=language, outlet=outlet, q=q)
        return _with_source_counts(sources, drafts=drafts), sources
    given = {
        name: value
        for name, value in (("kind", kind), ("language", language), ("outlet", outlet))
        if value
    }
    sources = compiled(("claims.sources_filtered", *given), _sources_filtered, **given)
    rows = compiled(
        ("claims.source_rows", drafts, *given), partial(_source_rows, drafts=drafts), **given
    )
    return rows, sources


def _sources_filtered(
    *, kind: str | None = None, language: str | None = None, outlet: str | None = None
) -> QuerySet[Source]:
    sources = Source.objects.defer("text", "search_vector")
    if kind:
        sources = sources.filter(kind=kind)
    if language:
        sources = sources.filter(language=language)
    if outlet:
        sources = sources.filter(outlet=outlet)
    return sources.order_by("-published_on", "-id")


def _source_rows(*, drafts: bool, **filters: str) -> QuerySet[Source]:
    return _with_source_counts(_sources_filtered(**filters), drafts=drafts)


def _with_source_counts(sources: QuerySet[Source], *, drafts: bool) -> QuerySet[Source]:
    shown = None
    if not drafts:
        # What the public sees on the source's page: passages a published claim rests on.
        shown = Q(
            Exists(Evidence.objects.filter(passage=OuterRef("pk"), claim__is_published=True))
        ) & ~Q(anchor_status=Passage.AnchorStatus.ORPHANED)
    return sources_with_counts(sources.select_related("duplicate_of"), shown_passages=shown)


def with_cited_claim_ids(assessments: QuerySet[Assessment], *, user) -> QuerySet[Assessment]:
    """`assessments`, each with `cited`: the ids of the claims it cites that the user may
    see, in id order, read in the assessments' own query (a prefetch was one more)."""
    return with_cited_claims_seen(assessments, drafts=sees_drafts(user))


def with_cited_claims_seen(
    assessments: QuerySet[Assessment], *, drafts: bool
) -> QuerySet[Assessment]:
    """with_cited_claim_ids() for a user who sees drafts or not."""
    return assessments.annotate(
        cited=ArraySubquery(
            claims_seen(drafts=drafts)
            .filter(assessments=OuterRef("pk"))
            .order_by("pk")
            .values("pk")
        )
    )


def assessments_for_list(
    *,
    user,
    deal: Deal | None = None,
    clause: Clause | None = None,
    party: Party | None = None,
    level: str | None = None,
) -> QuerySet[Assessment]:
    """Assessments the user may see (drafts for desk users only), with clause, deal and
    party and the ids of the claims cited, filtered, in id order (the read API)."""

    assessments = with_cited_claim_ids(
        visible_assessments(user=user)
        .select_related("clause__deal", "party")
        .defer("clause__search_vector", "clause__text", "clause__deal__summary"),
        user=user,
    )
    if clause is not None:
        assessments = assessments.filter(clause=clause)
    elif deal is not None:
        assessments = assessments.filter(clause__deal=deal)
    if party is not None:
        assessments = assessments.filter(party=party)
    if level:
        assessments = assessments.filter(level=level)
    return assessments.order_by("id")


# --- deals seen through their claims ----------------------------------------


def claim_deal_id():
    """The deal a claim belongs to: its own, or its clause's, or its phase's."""
    return Coalesce("deal_id", "clause__deal_id", "phase__deal_id")


def deals_by_activity(deals: QuerySet[Deal], *, user) -> QuerySet[Deal]:
    """Newest activity first: the later of the deal's own change and its latest claim's.

    A claim's own deal is the one to look at: the claims service keeps it set whenever a
    clause or phase is (they must belong to it). The latest claim's change is read from
    the row the database keeps per deal (DealClaimActivity, claims/activity_sql.py), not
    from each deal's claims: one join for the whole list. `_latest_claim_change_live`
    reads the claims themselves (the tests hold the two equal)."""
    return _by_activity(deals, drafts=sees_drafts(user))


def _by_activity(deals: QuerySet[Deal], *, drafts: bool) -> QuerySet[Deal]:
    kept = "latest_change" if drafts else "latest_published_change"
    # PostgreSQL's GREATEST skips the NULL of a deal without claims.
    return deals.annotate(
        last_activity=Greatest(F("updated_at"), F(f"claim_activity__{kept}"))
    ).order_by("-last_activity", "-id")


def deals_listed(
    *, user, status: str | None = None, party: Party | None = None, **facts: Any
) -> QuerySet[Deal]:
    """The deals list's rows: deals_for_list() by status and party, narrowed by the
    deals' facts (deals.facts.deals_with_facts), newest activity first. Unfiltered (as
    most visitors open it), compiled once with its count and pages (desk/paging.py)."""
    if not status and party is None and all(value in (None, "") for value in facts.values()):
        return compiled_as_seen("claims.deals_listed", _deals_listed, user=user)
    return deals_by_activity(
        deals_with_facts(deals_for_list(status=status, party=party), **facts), user=user
    )


def _deals_listed(*, drafts: bool) -> QuerySet[Deal]:
    return _by_activity(deals_for_list(), drafts=drafts)


def most_active_deals(*, user, limit: int) -> QuerySet[Deal]:
    """The `limit` deals of newest activity (deals_by_activity), with their parties and
    phases, as the home page lists them. Iterate it as it is."""
    return compiled_as_seen(
        ("claims.most_active_deals", limit), partial(_most_active_deals, limit=limit), user=user
    )


def _most_active_deals(*, drafts: bool, limit: int) -> QuerySet[Deal]:
    return _by_activity(deals_for_list(), drafts=drafts)[:limit]


def _latest_claim_change_live(*, user) -> dict[int, dt.datetime]:
    """{deal id: newest updated_at of the claims this user may see}, read from the claims."""
    rows = (
        visible_claims(user=user)
        .filter(deal_id__isnull=False)
        .values("deal_id")
        .annotate(latest=Max("updated_at"))
        .values_list("deal_id", "latest")
    )
    return dict(rows)


@dataclass
class DealComplianceCounts:
    """How many compliance claims about a deal assert each compliance (refuted not counted)."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def compliance_counts_by_deal(*, deal_ids: list[int], user) -> dict[int, DealComplianceCounts]:
    """{deal id: counts by asserted compliance} for many deals in one query.

    A claim counts for its own deal, else its clause's, else its phase's; refuted claims
    do not count, drafts only for those who see them. Read from the counts the database
    keeps per deal (DealComplianceCount, claims/deal_count_sql.py): a few rows per deal
    however many claims it has. `_compliance_counts_live` counts the claims themselves
    (the tests hold the two equal)."""
    if not deal_ids:
        return {}
    kept = compiled_as_seen(
        "claims.compliance_counts_by_deal", _kept_compliance_counts, user=user, deal_ids=deal_ids
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for deal_id, compliance, n in kept:
        counts[deal_id][compliance] = counts[deal_id].get(compliance, 0) + n
    return {pk: DealComplianceCounts(counts.get(pk, {})) for pk in deal_ids}


def _kept_compliance_counts(*, deal_ids: list[int], drafts: bool) -> QuerySet:
    kept = DealComplianceCount.objects.filter(
        any_of_values("deal_id", deal_ids), refuted=False, n__gt=0
    )
    if not drafts:
        kept = kept.filter(is_published=True)
    return kept.values_list("deal_id", "compliance", "n")


def _compliance_counts_live(*, deal_ids: list[int], user) -> dict[int, DealComplianceCounts]:
    """compliance_counts_by_deal counted from the claims themselves, in one query.

    A claim counts for its own deal, else its clause's, else its phase's. Written as
    three parts joined by UNION ALL, each one an index lookup (claims migration 0006);
    one OR across the three joins made PostgreSQL read every compliance claim."""
    counted = (
        visible_claims(user=user)
        .filter(kind=Claim.Kind.COMPLIANCE)
        .exclude(verification=Claim.Verification.REFUTED)
        .order_by()
    )
    own = counted.filter(deal_id__in=deal_ids).annotate(of_deal=F("deal_id"))
    via_clause = counted.filter(deal__isnull=True, clause__deal_id__in=deal_ids).annotate(
        of_deal=F("clause__deal_id")
    )
    via_phase = counted.filter(
        deal__isnull=True, clause__isnull=True, phase__deal_id__in=deal_ids
    ).annotate(of_deal=F("phase__deal_id"))
    parts = [
        qs.values("of_deal", "compliance").annotate(n=Count("*"))
        for qs in (own, via_clause, via_phase)
    ]
    rows = parts[0].union(*parts[1:], all=True)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["of_deal"]][row["compliance"]] = (
            counts[row["of_deal"]].get(row["compliance"], 0) + row["n"]
        )
    return {pk: DealComplianceCounts(counts.get(pk, {})) for pk in deal_ids}


# --- evidence in its context ----------------------------------------------------

# Characters of the source shown before and after a quote on a claim's page.
CONTEXT_CHARS = 240


@dataclass
class QuoteInContext:
    before: str
    quote: str
    after: str
    # True when the context came from the source's text, False for the stored selectors.
    from_source: bool


def passage_in_context(passage: Passage, *, chars: int = CONTEXT_CHARS) -> QuoteInContext:
    """The passage with some text before and after it. Taken from the source's current
    text when the passage is anchored to it (the offsets hold the quote), else from the
    passage's own stored prefix and suffix."""
    text = passage.source.text
    start, end = passage.start, passage.end
    if (
        passage.revision_anchored_id
        and passage.anchor_status != Passage.AnchorStatus.ORPHANED
        and text[start:end] == passage.quote
    ):
        lo = max(0, start - chars)
        hi = min(len(text), end + chars)
        # One character more each side: a space there means the edge word is whole.
        before = context_before(text[max(0, lo - 1) : start], cut=lo > 0)
        after = context_after(text[end : min(len(text), hi + 1)], cut=hi < len(text))
        return QuoteInContext(before, passage.quote, after, True)
    # The stored selector context: CONTEXT_CHARS each side unless the text ended first.
    return QuoteInContext(
        context_before(passage.prefix, cut=passage.start > len(passage.prefix)),
        passage.quote,
        context_after(passage.suffix, cut=len(passage.suffix) >= PASSAGE_CONTEXT_CHARS),
        False,
    )


# --- when what a page shows last changed ("last updated" on embeds and citations) ---------


def _latest(*values) -> dt.datetime | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def deal_last_updated(*, deal: Deal, user) -> dt.datetime:
    """When what a deal's pages show last changed, as this user sees them: the deal
    itself, its phases and clauses (their change history), its claims and the desk's
    assessments of its clauses. One query; each part reads the newest row of an index."""
    drafts = sees_drafts(user)
    row = compiled_get(
        ("claims.deal_last_updated", drafts),
        partial(_deal_changes, drafts=drafts),
        deal_id=deal.pk,
    )
    return cast(dt.datetime, _latest(*row))  # the deal's updated_at is never null


def _newest(queryset: QuerySet, field: str) -> Subquery:
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def _deal_changes(*, deal_id: int, drafts: bool) -> QuerySet:
    return (
        Deal.objects.filter(pk=deal_id)
        .annotate(
            claims_at=_newest(
                claims_seen(drafts=drafts).filter(deal_id=OuterRef("pk")), "updated_at"
            ),
            assessed_at=_newest(
                assessments_seen(drafts=drafts).filter(clause__deal_id=OuterRef("pk")),
                "updated_at",
            ),
            clauses_at=_newest(Clause.history.filter(deal_id=OuterRef("pk")), "history_date"),
            phases_at=_newest(Phase.history.filter(deal_id=OuterRef("pk")), "history_date"),
        )
        .values_list("updated_at", "claims_at", "assessed_at", "clauses_at", "phases_at")
    )


def clause_last_updated(*, clause: Clause, user) -> dt.datetime:
    """When what a clause's page shows last changed: the clause (its change history), its
    claims and the desk's assessments of it; the deal's own change when nothing else
    is known. One query."""
    drafts = sees_drafts(user)
    deal_at, *rest = compiled_get(
        ("claims.clause_last_updated", drafts),
        partial(_clause_changes, drafts=drafts),
        clause_id=clause.pk,
    )
    return _latest(*rest) or deal_at


def _clause_changes(*, clause_id: int, drafts: bool) -> QuerySet:
    return (
        Clause.objects.filter(pk=clause_id)
        .annotate(
            claims_at=_newest(
                claims_seen(drafts=drafts).filter(clause_id=OuterRef("pk")), "updated_at"
            ),
            assessed_at=_newest(
                assessments_seen(drafts=drafts).filter(clause_id=OuterRef("pk")), "updated_at"
            ),
            clause_at=_newest(Clause.history.filter(id=OuterRef("pk")), "history_date"),
        )
        .values_list("deal__updated_at", "claims_at", "assessed_at", "clause_at")
    )


def claim_last_updated(*, claim: Claim) -> dt.datetime:
    """When a claim's page last changed: the claim or one of its evidence links
    (read from the evidence prefetched with the claim: no query)."""
    return cast(  # the claim's updated_at is never null
        dt.datetime, _latest(claim.updated_at, *(e.updated_at for e in claim.evidence.all()))
    )
