"""What leaves dealtracker as files: the claims CSV, a whole deal as JSON, and the
claims the Atom feeds carry. The data dictionary (/data/) documents each field
from the descriptions kept here, so the page and the files cannot drift apart.

Visibility: public visitors get published claims only and never internal
notes; `include_internal` (logged-in readers) adds drafts' notes to the deal
JSON. The CSV never carries notes. Feeds carry published claims only, always:
feed readers fetch anonymously, and a private feed URL would leak drafts.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from dealtracker.claims import queries as claim_queries
from dealtracker.claims.listing import claims_of_deal
from dealtracker.claims.models import Assessment, Claim, ClauseAnchor, Evidence
from dealtracker.claims.queries import (
    assessments_seen,
    claims_seen,
    compiled_as_seen,
    with_cited_claims_seen,
)
from dealtracker.db.any_of import any_of_values
from dealtracker.db.shared_parent import share_parent
from dealtracker.db.statements import compiled, compiled_prefetch
from dealtracker.db.url_templates import reverse_path
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.loose_dates import format_loose_date
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.sources.models import Passage, SourceDocument

# --- absolute links -----------------------------------------------------------


def absolute(path: str) -> str:
    """An absolute URL on this site (feeds, exports, W3C ids), from settings.SITE_URL."""
    return settings.SITE_URL.rstrip("/") + path


def site_url(name: str, **kwargs: Any) -> str:
    """absolute(reverse(name, kwargs=...)) for exports of many rows
    (dealtracker/db/url_templates.py)."""
    return absolute(reverse_path(name, **kwargs))


# --- CSV ----------------------------------------------------------------------

# Separator between several values in one cell (subjects, evidence).
MULTI_SEPARATOR = " | "

# (column, description) in file order. /data/ shows these descriptions.
CSV_COLUMNS: list[tuple[str, str]] = [
    ("id", "The claim's number in dealtracker; stable."),
    ("url", "The claim's page (absolute link)."),
    ("statement", "What is claimed, in the editors' words."),
    (
        "claimed_by",
        "Who claims it, as shown on the site: the attribution and/or the claimant party.",
    ),
    ("claimant", "The claimant party's name, when a party is named."),
    ("claimant_slug", "The claimant party's identifier in addresses (e.g. /parties/<slug>/)."),
    ("attribution", "Free-text attribution, e.g. “a senior Palestinian official”."),
    (
        "subjects",
        f"The parties the claim is about, by name, separated by “{MULTI_SEPARATOR.strip()}”.",
    ),
    ("subject_slugs", "The same parties' identifiers, in the same order."),
    ("deal", "The deal's title (directly, or through the claim's phase or clause)."),
    ("deal_slug", "The deal's identifier (e.g. /deals/<slug>/)."),
    (
        "phase",
        "The phase's number within the deal, when the claim is about a phase or one of its clauses.",
    ),
    ("clause_ref", "The clause's reference within the deal, e.g. 2.1."),
    ("clause_title", "The clause's title."),
    ("kind", "The kind of claim (vocabulary “claim kind”)."),
    (
        "compliance",
        "For compliance claims: the compliance asserted (vocabulary “asserted compliance”); empty otherwise.",
    ),
    ("verification", "The newsroom's verification status (vocabulary “verification status”)."),
    (
        "made_on",
        "The date the claim was made, YYYY-MM-DD: the first day of the period when the date is loose.",
    ),
    ("made_on_precision", "How precisely made_on is known (vocabulary “date precision”)."),
    ("made_on_display", "The date as the site shows it, e.g. “early February 2025”."),
    ("published", "yes when published; no for a draft (drafts appear only for logged-in users)."),
    ("updated_at", "When the claim last changed, ISO 8601 UTC."),
    ("evidence_count", "How many passages the claim rests on."),
    (
        "evidence_relations",
        "For each passage: how it relates to the claim (vocabulary “evidence relation”).",
    ),
    ("evidence_quotes", "For each passage: its exact quote from the source text."),
    (
        "evidence_pages",
        "For each passage: the page of the source's PDF or Word original it is on "
        "(empty when the text has no pages).",
    ),
    ("evidence_source_titles", "For each passage: the source's title."),
    (
        "evidence_source_urls",
        "For each passage: the source's original address (empty when it has none).",
    ),
    ("evidence_links", "For each passage: its place in the source's reading view on this site."),
]

# Leading characters a spreadsheet would read as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell's text; one that a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_claims(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The joins a CSV row needs, in two extra queries per chunk (subjects, evidence).

    A claim's phase and clause belong to its own deal (the claims service keeps the
    claim's deal set whenever either is), so their deal is the row's, not joined again
    (share_parent). Seven joins made PostgreSQL plan each chunk's query for 4-11 ms
    (the query runs in about 1 ms) on the scale-1 archive, every time: its plan depends
    on the filters' values, so it is never reused. Five take 1-2.5 ms."""
    claims = claims.select_related(
        "claimant", "deal", "phase", "clause", "clause__phase"
    ).prefetch_related(
        claim_queries.subjects_prefetch(),
        compiled_prefetch(
            "exports.claim_rows.evidence",
            "evidence",
            Evidence.objects.select_related("passage__source", "passage__revision_anchored")
            .defer(*HEAVY_EVIDENCE_FIELDS, "passage__revision_anchored__text")
            .order_by("id"),
        ),
    )
    return share_parent(claims, parent="deal", children=("clause", "phase"))


# Columns an evidence row's joins would drag along for nothing: whole texts and vectors.
HEAVY_EVIDENCE_FIELDS = (
    "passage__search_vector",
    "passage__source__text",
    "passage__source__search_vector",
)
HEAVY_REVISION_FIELDS = ("passage__revision_made__text", "passage__revision_anchored__text")


def passage_url(passage: Passage) -> str:
    """The passage in its source's reading view (as Passage.get_absolute_url)."""
    return site_url("desk:source-detail", pk=passage.source_id) + f"#passage-{passage.pk}"


def claim_deal(claim: Claim) -> Deal | None:
    # Each test reads the object only when its id is set (no query otherwise).
    if claim.deal:
        return claim.deal
    if claim.clause:
        return claim.clause.deal
    if claim.phase:
        return claim.phase.deal
    return None


def claim_phase(claim: Claim) -> Phase | None:
    if claim.phase:
        return claim.phase
    if claim.clause:
        return claim.clause.phase
    return None


def csv_row(claim: Claim) -> list[str]:
    subjects = list(claim.subjects.all())
    evidence = list(claim.evidence.all())
    deal = claim_deal(claim)
    phase = claim_phase(claim)
    values = [
        claim.pk,
        site_url("desk:claim-detail", pk=claim.pk),
        claim.statement,
        claim.claimed_by,
        claim.claimant.name if claim.claimant else "",
        claim.claimant.slug if claim.claimant else "",
        claim.attribution,
        MULTI_SEPARATOR.join(p.name for p in subjects),
        MULTI_SEPARATOR.join(p.slug for p in subjects),
        deal.title if deal else "",
        deal.slug if deal else "",
        phase.order if phase else "",
        claim.clause.reference if claim.clause else "",
        claim.clause.title if claim.clause else "",
        claim.kind,
        claim.compliance,
        claim.verification,
        claim.made_on.isoformat() if claim.made_on else "",
        claim.made_on_precision if claim.made_on else "",
        claim.made_on_display,
        "yes" if claim.is_published else "no",
        claim.updated_at.astimezone(dt.UTC).isoformat(),
        len(evidence),
        MULTI_SEPARATOR.join(e.relation for e in evidence),
        MULTI_SEPARATOR.join(e.passage.quote for e in evidence),
        MULTI_SEPARATOR.join(str(e.passage.page or "") for e in evidence),
        MULTI_SEPARATOR.join(e.passage.source.title for e in evidence),
        MULTI_SEPARATOR.join(e.passage.source.url for e in evidence),
        MULTI_SEPARATOR.join(passage_url(e.passage) for e in evidence),
    ]
    return [safe_cell(v) for v in values]


class _Echo:
    """A file-like object whose write() hands the line back (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(claims: Iterable[Claim]) -> Iterator[str]:
    """The CSV text line by line: a header, then one row per claim, in the order given.

    `claims`: read in chunks (claims.listing.claims_by_keyset over csv_claims, which
    prefetches per chunk), so memory stays flat however many claims there are.
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([name for name, _ in CSV_COLUMNS])  # BOM: Excel reads UTF-8
    for claim in claims:
        yield writer.writerow(csv_row(claim))


# --- a whole deal as JSON -----------------------------------------------------

DEAL_JSON_VERSION = 1


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _loose(value: dt.date | None, precision: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "date": value.isoformat(),
        "precision": precision,
        "display": format_loose_date(value, precision),
    }


def party_json(party: Party) -> dict[str, Any]:
    return {
        "slug": party.slug,
        "name": party.name,
        "short_name": party.short_name,
        "kind": party.kind,
        "aliases": list(party.aliases),
        "url": site_url("desk:party-detail", slug=party.slug),
    }


def deal_header_json(deal: Deal, *, include_internal: bool) -> dict[str, Any]:
    """The deal's own fields. Extend here (ceasefire facts) and in DEAL_JSON_FIELDS."""
    data: dict[str, Any] = {
        "slug": deal.slug,
        "title": deal.title,
        "url": absolute(deal.get_absolute_url()),
        "status": deal.status,
        "summary": deal.summary,
        "date_agreed": _loose(deal.date_agreed, deal.date_agreed_precision),
        "supersedes": deal.supersedes.slug if deal.supersedes else None,
        "answers": deal.answers.slug if deal.answers else None,
        "language": deal.language,
        "updated_at": _datetime(deal.updated_at),
        # The ceasefire facts (empty string / null when not coded).
        "purpose": deal.purpose or None,
        "stage": deal.stage or None,
        "form": deal.form or None,
        "mediated": deal.mediated,
        "mechanisms": list(deal.mechanisms),
        "declared_on": _date(deal.declared_on),
        "effective_on": _date(deal.effective_on),
        "ended_on": _date(deal.ended_on),
    }
    if include_internal:
        data["editor_note"] = deal.editor_note
    return data


def phase_json(phase: Phase) -> dict[str, Any]:
    return {
        "order": phase.order,
        "name": phase.name,
        "description": phase.description,
        "status": phase.status,
        "planned_start": _loose(phase.planned_start, phase.planned_start_precision),
        "planned_end": _loose(phase.planned_end, phase.planned_end_precision),
        "actual_start": _loose(phase.actual_start, phase.actual_start_precision),
        "actual_end": _loose(phase.actual_end, phase.actual_end_precision),
        "url": absolute(phase.get_absolute_url()),
    }


def clause_json(clause: Clause, *, phase_orders: dict[int, int]) -> dict[str, Any]:
    if clause.deadline_date:
        deadline: dict[str, Any] | None = {
            "type": "date",
            **(_loose(clause.deadline_date, clause.deadline_date_precision) or {}),
        }
    elif clause.deadline_delay is not None:
        deadline = {
            "type": "delay",
            "amount": clause.deadline_delay,
            "unit": clause.deadline_delay_unit,
            "anchor": clause.deadline_anchor,
            "phase": phase_orders.get(clause.deadline_phase_id)
            if clause.deadline_phase_id is not None
            else None,
        }
    else:
        deadline = None
    return {
        "reference": clause.reference,
        "title": clause.title,
        "text": clause.text,
        "category": clause.category,
        "phase": phase_orders.get(clause.phase_id) if clause.phase_id else None,
        "obliged_parties": [p.slug for p in clause.obliged_parties.all()],
        "deadline": deadline,
        "due": due_json(clause),
        "language": clause.language,
        "url": site_url("desk:clause-detail", slug=clause.deal.slug, ref=clause.reference),
        "verbatim": verbatim_json(clause),
    }


def verbatim_json(clause: Clause) -> dict[str, Any] | None:
    """Where the clause's words stand in the agreement text (select anchor__passage__revision_anchored)."""
    try:
        anchor = clause.anchor
    except ClauseAnchor.DoesNotExist:
        return None
    passage = anchor.passage
    return {
        "source": passage.source_id,
        "passage": passage.pk,
        "quote": passage.quote,
        "page": passage.page,
        "anchor_status": passage.anchor_status,
        "url": passage_url(passage),
    }


def due_json(clause: Clause) -> dict[str, Any] | None:
    """The computed due date with its basis (pass clauses with phase and deadline_phase)."""
    due = clause.due_date()
    if due.date is None:
        return None
    return {
        "date": due.date.isoformat(),
        "precision": due.precision,
        "display": due.display,
        "basis": due.basis,
        "planned": due.planned,
    }


def assessment_json(
    assessment: Assessment, *, cited: list[int], claim_ids: set[int]
) -> dict[str, Any]:
    """`cited`: the ids of the claims the assessment cites, in id order."""
    return {
        "id": assessment.pk,
        "clause": assessment.clause.reference,
        "party": assessment.party.slug,
        "assessed_on": assessment.assessed_on.isoformat(),
        "level": assessment.level,
        "rationale": assessment.rationale,
        # Only claims the export itself carries (a draft claim stays hidden).
        "claims": [pk for pk in cited if pk in claim_ids],
        "published": assessment.is_published,
        "published_at": _datetime(assessment.published_at),
        "url": absolute(assessment.get_absolute_url()),
    }


def evidence_json(evidence: Evidence, *, include_internal: bool) -> dict[str, Any]:
    passage: Passage = evidence.passage
    data: dict[str, Any] = {
        "relation": evidence.relation,
        "passage": {
            "id": passage.pk,
            "source": passage.source_id,
            "start": passage.start,
            "end": passage.end,
            "quote": passage.quote,
            "prefix": passage.prefix,
            "suffix": passage.suffix,
            "revision_made": passage.revision_made.number,
            "revision_anchored": passage.revision_anchored.number,
            "anchor_status": passage.anchor_status,
            "page": passage.page,
            "url": passage_url(passage),
        },
    }
    if include_internal:
        data["note"] = evidence.note
        data["passage"]["note"] = passage.note
    return data


def claim_json(
    claim: Claim, *, phase_orders: dict[int, int], include_internal: bool
) -> dict[str, Any]:
    phase = claim_phase(claim)
    return {
        "id": claim.pk,
        "url": site_url("desk:claim-detail", pk=claim.pk),
        "statement": claim.statement,
        "claimed_by": claim.claimed_by,
        "claimant": claim.claimant.slug if claim.claimant else None,
        "attribution": claim.attribution,
        "subjects": [p.slug for p in claim.subjects.all()],
        "phase": phase_orders.get(phase.pk) if phase else None,
        "clause": claim.clause.reference if claim.clause else None,
        "kind": claim.kind,
        "compliance": claim.compliance or None,
        "verification": claim.verification,
        "made_on": _loose(claim.made_on, claim.made_on_precision),
        "published": claim.is_published,
        "published_at": _datetime(claim.published_at),
        "updated_at": _datetime(claim.updated_at),
        "language": claim.language,
        "evidence": [
            evidence_json(e, include_internal=include_internal) for e in claim.evidence.all()
        ],
    }


def source_json(source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "kind": source.kind,
        "title": source.title,
        "outlet": source.outlet,
        "author": source.author,
        "attribution": source.attribution,
        "url": source.url,
        "published_on": _date(source.published_on),
        "language": source.language,
        "page": site_url("desk:source-detail", pk=source.pk),
        "original": original_json(getattr(source, "original", None)),
    }


def original_json(document) -> dict[str, Any] | None:
    if document is None:
        return None
    return {
        "url": site_url("desk:source-document", pk=document.source_id),
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "pages": document.page_count or None,
    }


def deal_claims(*, deal: Deal, user) -> QuerySet[Claim]:
    """Claims of a deal (directly or through its phases and clauses) the user may see.
    Iterate it as it is."""
    return compiled_as_seen("interchange.deal_claims", _deal_claims, user=user, deal_id=deal.pk)


def _deal_claims(*, deal_id: int, drafts: bool) -> QuerySet[Claim]:
    # claims_of_deal(): a claim's phase and clause belong to its own deal.
    claims = claims_seen(drafts=drafts).filter(deal_id=deal_id)
    return (
        claims.select_related("claimant", "clause__phase", "phase")
        .prefetch_related(
            claim_queries.subjects_prefetch(),
            compiled_prefetch(
                "exports.deal_claims.evidence",
                "evidence",
                Evidence.objects.select_related(
                    "passage__source", "passage__revision_made", "passage__revision_anchored"
                )
                .defer(*HEAVY_EVIDENCE_FIELDS, *HEAVY_REVISION_FIELDS)
                .order_by("id"),
            ),
        )
        .order_by("-made_on", "-id")
    )


def _deal_memberships(*, deal_id: int) -> QuerySet[DealParty]:
    return (
        DealParty.objects.filter(deal_id=deal_id)
        .select_related("party")
        .order_by("party__name", "role")
    )


def _source_documents(*, source_ids: list[int]) -> QuerySet[SourceDocument]:
    return SourceDocument.objects.filter(any_of_values("source_id", source_ids)).order_by("id")


def _deal_clauses(*, deal_id: int) -> QuerySet[Clause]:
    return (
        Clause.objects.filter(deal_id=deal_id)
        .order_by("position", "reference")
        .select_related("deal", "phase", "deadline_phase", "anchor__passage__revision_anchored")
        .defer("anchor__passage__revision_anchored__text", "anchor__passage__search_vector")
        .prefetch_related(deal_queries.obliged_parties_prefetch())
    )


def _deal_assessments(*, deal_id: int, drafts: bool) -> QuerySet[Assessment]:
    assessments = (
        assessments_seen(drafts=drafts)
        .filter(clause__deal_id=deal_id)
        .select_related("clause__deal", "party")
    )
    return with_cited_claims_seen(assessments, drafts=drafts).order_by(
        "clause__position", "clause__reference", "party__name", "assessed_on", "id"
    )


def deal_document(deal: Deal, *, user, include_internal: bool) -> dict[str, Any]:
    """A whole deal: its parties, phases, clauses, claims and their evidence, and the sources cited.

    Built from small per-object functions so new sections (ceasefire facts,
    assessments) are one more key here and one more entry in DEAL_JSON_FIELDS.
    """
    memberships = list(compiled("interchange.deal_memberships", _deal_memberships, deal_id=deal.pk))
    phases = deal_queries.phases_of_deal(deal=deal)
    phase_orders = {p.pk: p.order for p in phases}
    clauses = list(compiled("interchange.deal_clauses", _deal_clauses, deal_id=deal.pk))
    claims = list(deal_claims(deal=deal, user=user))
    assessments = list(
        compiled_as_seen(
            "interchange.deal_assessments", _deal_assessments, user=user, deal_id=deal.pk
        )
    )
    claim_ids = {c.pk for c in claims}

    parties: dict[int, dict[str, Any]] = {}
    for membership in memberships:
        entry = parties.setdefault(
            membership.party_id, {**party_json(membership.party), "roles": []}
        )
        entry["roles"].append(membership.role)
    # Parties that claims and clauses name without being parties to the deal.
    others: dict[int, Party] = {}
    for clause in clauses:
        for party in clause.obliged_parties.all():
            others.setdefault(party.pk, party)
    sources: dict[int, Any] = {}
    for claim in claims:
        if claim.claimant:
            others.setdefault(claim.claimant.pk, claim.claimant)
        for party in claim.subjects.all():
            others.setdefault(party.pk, party)
        for evidence in claim.evidence.all():
            sources.setdefault(evidence.passage.source_id, evidence.passage.source)
    for pk, party in others.items():
        parties.setdefault(pk, {**party_json(party), "roles": []})
    if sources:
        documents = compiled(
            "interchange.source_documents", _source_documents, source_ids=list(sources)
        )
        for document in documents:
            # The latest original of each source.
            sources[document.source_id].original = document

    return {
        "format": "dealtracker-deal",
        "version": DEAL_JSON_VERSION,
        "generated_at": _datetime(dt.datetime.now(dt.UTC)),
        "deal": deal_header_json(deal, include_internal=include_internal),
        "parties": sorted(parties.values(), key=lambda p: (p["name"], p["slug"])),
        "phases": [phase_json(p) for p in phases],
        "clauses": [clause_json(c, phase_orders=phase_orders) for c in clauses],
        "claims": [
            claim_json(c, phase_orders=phase_orders, include_internal=include_internal)
            for c in claims
        ],
        "sources": [source_json(s) for _, s in sorted(sources.items())],
        "assessments": [
            # `cited`: annotated by with_cited_claim_ids().
            assessment_json(a, cited=a.cited, claim_ids=claim_ids)  # type: ignore[attr-defined]
            for a in assessments
        ],
    }


# Every key of the deal JSON, for /data/ (a test checks a real export against it).
LOOSE_DATE = (
    "A loose date: {date (YYYY-MM-DD, first day of the period), precision, display}, or null."
)
DEAL_JSON_FIELDS: list[tuple[str, str]] = [
    ("format", "Always “dealtracker-deal”."),
    ("version", f"The format's version, now {DEAL_JSON_VERSION}."),
    ("generated_at", "When the file was made, ISO 8601 UTC."),
    ("deal", "The deal itself."),
    ("deal.slug", "Identifier in addresses: /deals/<slug>/."),
    ("deal.title", "Title."),
    ("deal.url", "The deal's page."),
    ("deal.status", "Status (vocabulary “deal status”)."),
    ("deal.summary", "Summary."),
    ("deal.date_agreed", LOOSE_DATE),
    ("deal.supersedes", "Slug of the deal this one supersedes, or null."),
    (
        "deal.answers",
        "Slug of the deal or proposal this one answers (a counter-proposal), or null.",
    ),
    ("deal.language", "Language of the deal's texts (BCP 47)."),
    ("deal.updated_at", "When the deal last changed, ISO 8601 UTC."),
    ("deal.editor_note", "Internal note; only in exports made by logged-in users."),
    ("deal.purpose", "Purpose of the ceasefire (vocabulary “deal purpose”), or null."),
    (
        "deal.stage",
        "Preliminary or definitive (vocabulary “deal stage”), or null when not known.",
    ),
    ("deal.form", "Written or verbal (vocabulary “deal form”), or null when not known."),
    ("deal.mediated", "true when a third party mediated it, false when not, null when not known."),
    ("deal.mechanisms", "The mechanisms agreed (list; vocabulary “deal mechanism”)."),
    ("deal.declared_on", "When the ceasefire was declared, YYYY-MM-DD, or null."),
    ("deal.effective_on", "When it took effect, YYYY-MM-DD, or null."),
    ("deal.ended_on", "When it ended, YYYY-MM-DD, or null while it lasts."),
    ("parties", "Every party the deal names, the clauses oblige or the claims mention."),
    (
        "parties[].slug",
        "Identifier: /parties/<slug>/. Claims and clauses refer to parties by slug.",
    ),
    ("parties[].name", "Name."),
    ("parties[].short_name", "Short name (may be empty)."),
    ("parties[].kind", "Kind of party (vocabulary “party kind”)."),
    ("parties[].aliases", "Other names the party goes by."),
    ("parties[].url", "The party's page."),
    (
        "parties[].roles",
        "Its roles in the deal (vocabulary “role in a deal”); empty when it is not a party to it.",
    ),
    ("phases", "The deal's phases, in order."),
    ("phases[].order", "Number of the phase within the deal (1, 2, ...)."),
    ("phases[].name", "Name."),
    ("phases[].description", "Description."),
    ("phases[].status", "Status (vocabulary “phase status”)."),
    ("phases[].planned_start", LOOSE_DATE),
    ("phases[].planned_end", LOOSE_DATE),
    ("phases[].actual_start", LOOSE_DATE),
    ("phases[].actual_end", LOOSE_DATE),
    ("phases[].url", "The phase's page."),
    ("clauses", "The deal's terms, in the deal's order."),
    ("clauses[].reference", "Reference within the deal, e.g. 2.1."),
    ("clauses[].title", "Title."),
    ("clauses[].text", "Text of the term."),
    ("clauses[].category", "Category (vocabulary “clause category”)."),
    ("clauses[].phase", "Order of the phase it belongs to, or null for a deal-wide term."),
    ("clauses[].obliged_parties", "Slugs of the parties it obliges."),
    (
        "clauses[].deadline",
        "null; or {type: “date”, date, precision, display}; or {type: “delay”, amount, unit "
        "(vocabulary “deadline unit”), anchor (vocabulary “deadline anchor”), phase (order)}.",
    ),
    (
        "clauses[].due",
        "The due date computed from the deadline (or the phase's end when it has none), "
        "or null when it cannot be computed yet or never falls due (deal-wide term).",
    ),
    ("clauses[].due.date", "Last day the term can be met on, YYYY-MM-DD."),
    ("clauses[].due.precision", "How precisely it is known (vocabulary “date precision”)."),
    ("clauses[].due.display", "The due date as the site shows it, e.g. “early February 2025”."),
    (
        "clauses[].due.basis",
        "What it was computed from, e.g. “deadline”, “22 days after the actual start of phase 1”, "
        "“planned end of phase 2”.",
    ),
    (
        "clauses[].due.planned",
        "true when it rests on a planned (not actual) phase date, so it may still move.",
    ),
    ("clauses[].language", "Language of the clause's text."),
    ("clauses[].url", "The clause's page."),
    (
        "clauses[].verbatim",
        "The clause's words in the deal's agreement text, or null when not anchored: "
        "{source, passage, quote, page (of a PDF or Word original, or null), anchor_status, url}.",
    ),
    (
        "claims",
        "Claims about the deal, its phases or clauses, newest first (published only for public visitors).",
    ),
    ("claims[].id", "The claim's number; its page is claims[].url."),
    ("claims[].url", "The claim's page."),
    ("claims[].statement", "What is claimed, in the editors' words."),
    ("claims[].claimed_by", "Who claims it, as shown on the site."),
    ("claims[].claimant", "Slug of the claimant party, or null."),
    ("claims[].attribution", "Free-text attribution."),
    ("claims[].subjects", "Slugs of the parties the claim is about."),
    (
        "claims[].phase",
        "Order of the phase the claim is about (directly or through its clause), or null.",
    ),
    ("claims[].clause", "Reference of the clause the claim is about, or null."),
    ("claims[].kind", "Kind (vocabulary “claim kind”)."),
    (
        "claims[].compliance",
        "Asserted compliance for compliance claims (vocabulary “asserted compliance”), else null.",
    ),
    ("claims[].verification", "Verification status (vocabulary “verification status”)."),
    ("claims[].made_on", LOOSE_DATE),
    (
        "claims[].published",
        "true when published; false for a draft (only in exports by logged-in users).",
    ),
    ("claims[].published_at", "When it was published, ISO 8601 UTC, or null."),
    ("claims[].updated_at", "When it last changed, ISO 8601 UTC."),
    ("claims[].language", "Language of the statement."),
    ("claims[].evidence", "The passages the claim rests on."),
    (
        "claims[].evidence[].relation",
        "How the passage relates to the claim (vocabulary “evidence relation”).",
    ),
    ("claims[].evidence[].note", "Internal note; only in exports made by logged-in users."),
    ("claims[].evidence[].passage", "The marked span of the source text."),
    ("claims[].evidence[].passage.id", "The passage's number."),
    ("claims[].evidence[].passage.source", "The source's id (see sources[])."),
    (
        "claims[].evidence[].passage.start",
        "Offset of the quote's first character in the anchored revision's text, in Unicode code points.",
    ),
    (
        "claims[].evidence[].passage.end",
        "Offset just after the quote's last character (end − start = length of quote).",
    ),
    ("claims[].evidence[].passage.quote", "The exact quoted text."),
    ("claims[].evidence[].passage.prefix", "Up to 32 characters of text before the quote."),
    ("claims[].evidence[].passage.suffix", "Up to 32 characters of text after the quote."),
    (
        "claims[].evidence[].passage.revision_made",
        "Number of the source revision the passage was marked on.",
    ),
    (
        "claims[].evidence[].passage.revision_anchored",
        "Number of the revision the offsets refer to now.",
    ),
    (
        "claims[].evidence[].passage.anchor_status",
        "Re-anchoring outcome (vocabulary “anchoring status”).",
    ),
    ("claims[].evidence[].passage.url", "The passage in the source's reading view."),
    (
        "claims[].evidence[].passage.page",
        "The page of the source's PDF or Word original the passage is on, or null.",
    ),
    ("claims[].evidence[].passage.note", "Internal note; only in exports made by logged-in users."),
    ("sources", "Every source the claims' evidence cites."),
    ("sources[].id", "The source's number; its page is sources[].page."),
    ("sources[].kind", "Kind of source (vocabulary “source kind”)."),
    ("sources[].title", "Title."),
    ("sources[].outlet", "Outlet that published it."),
    ("sources[].author", "Author."),
    ("sources[].attribution", "Who the report credits."),
    ("sources[].url", "Original address (may be empty)."),
    ("sources[].published_on", "Publication date, YYYY-MM-DD, or null."),
    ("sources[].language", "Language (BCP 47)."),
    ("sources[].page", "The source's reading view on this site."),
    (
        "sources[].original",
        "The PDF or Word file the text was read from, or null: "
        "{url, filename, content_type, size (bytes), sha256, pages}.",
    ),
    (
        "assessments",
        "The newsroom's own dated judgements of how far each obliged party has carried out each "
        "clause, oldest first per clause and party (published only for public visitors). "
        "Earlier ones are kept: the latest on or before a day is the judgement of that day.",
    ),
    ("assessments[].id", "The assessment's number."),
    ("assessments[].clause", "Reference of the clause assessed (see clauses[].reference)."),
    ("assessments[].party", "Slug of the party assessed (see parties[].slug)."),
    ("assessments[].assessed_on", "The day of the judgement, YYYY-MM-DD."),
    (
        "assessments[].level",
        "Implementation on the four-step scale (vocabulary “assessment level”); roll-ups count "
        "not started 0, minimal 1/3, intermediate 2/3, full 1.",
    ),
    ("assessments[].rationale", "Why, in the newsroom's words."),
    ("assessments[].claims", "Ids of the claims it rests on (see claims[].id)."),
    (
        "assessments[].published",
        "true when published; false for a draft (only in exports by logged-in users).",
    ),
    ("assessments[].published_at", "When it was published, ISO 8601 UTC, or null."),
    ("assessments[].url", "The assessment in the clause page's history."),
]


# --- Atom feeds ---------------------------------------------------------------

FEED_ITEMS = 50


def feed_claims(*, deal: Deal | None = None, limit: int = FEED_ITEMS) -> list[Claim]:
    """New and changed published claims, most recently changed first (drafts never)."""
    build = partial(_feed_claims, limit=limit)
    if deal is None:
        return list(compiled(("interchange.feed_claims", limit), build))
    return list(compiled(("interchange.feed_claims", limit, "deal"), build, deal_id=deal.pk))


def _feed_claims(*, limit: int, deal_id: int | None = None) -> QuerySet[Claim]:
    claims = Claim.objects.filter(is_published=True)
    if deal_id is not None:
        claims = claims.filter(claims_of_deal(deal_id))
    claims = (
        claims.select_related("claimant", "deal", "clause", "phase")
        .prefetch_related(claim_queries.subjects_prefetch())
        .order_by("-updated_at", "-id")
    )
    # A claim's clause and phase share its deal (see csv_claims): the deals joined once.
    return share_parent(claims, parent="deal", children=("clause", "phase"))[:limit]


def feed_summary_html(claim: Claim) -> str:
    """The entry's summary (Atom type="html"): every piece of text escaped."""
    from django.utils.html import escape

    parts = [f"Claimed by {escape(claim.claimed_by)}."]
    subjects = [p.name for p in claim.subjects.all()]
    if subjects:
        parts.append(f"About {escape(', '.join(subjects))}.")
    deal = claim_deal(claim)
    if deal:
        parts.append(f"Deal: {escape(deal.title)}.")
    kind = claim.get_kind_display()
    if claim.compliance:
        kind += f" — {claim.get_compliance_display()}"
    parts.append(f"Kind: {escape(kind)}. Verification: {escape(claim.get_verification_display())}.")
    if claim.made_on:
        parts.append(f"Made {escape(claim.made_on_display)}.")
    return f"<p>{escape(claim.statement)}</p><p>{' '.join(parts)}</p>"
