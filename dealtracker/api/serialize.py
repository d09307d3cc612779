"""Rows as the read API answers them: the deal JSON's shapes (interchange/exports.py)
plus ids, references to the deal, and links into the API. Pass rows fetched with
the queries' joins (deals/queries.py, claims/queries.py, api/endpoints.py): no
function here runs a query of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from dealtracker.claims.models import Assessment, Claim, Evidence
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.interchange import exports
from dealtracker.sources.models import Source

API_ROOT = "/api/v1/"
DEADLINE_KEYS = ("type", "date", "precision", "display", "amount", "unit", "anchor", "phase")


def api_url(*parts: Any, query: str = "") -> str:
    """An absolute address in this API: api_url("deals", slug) -> SITE_URL/api/v1/deals/<slug>/."""
    path = API_ROOT + "".join(f"{quote(str(p), safe='')}/" for p in parts)
    return exports.absolute(path) + (f"?{query}" if query else "")


def party_ref(party: Party) -> dict[str, Any]:
    return {
        "slug": party.slug,
        "name": party.name,
        "short_name": party.short_name,
        "url": exports.site_url("desk:party-detail", slug=party.slug),
        "api_url": api_url("parties", party.slug),
    }


def party_out(party: Party) -> dict[str, Any]:
    return {
        **exports.party_json(party),
        "id": party.pk,
        "description": party.description,
        "api_url": api_url("parties", party.slug),
    }


def deal_ref(deal: Deal) -> dict[str, Any]:
    return {
        "slug": deal.slug,
        "title": deal.title,
        "url": exports.site_url("desk:deal-detail", slug=deal.slug),
        "api_url": api_url("deals", deal.slug),
    }


def deal_out(deal: Deal, *, include_internal: bool) -> dict[str, Any]:
    """A deal from deals_for_list() (memberships and phases prefetched), with
    supersedes and answers selected."""
    header = exports.deal_header_json(deal, include_internal=include_internal)
    members: dict[int, dict[str, Any]] = {}
    for membership in deal.memberships.all():
        entry = members.setdefault(
            membership.party_id, {"party": party_ref(membership.party), "roles": []}
        )
        entry["roles"].append(membership.role)
    return {
        **header,
        "id": deal.pk,
        "supersedes": deal_ref(deal.supersedes) if deal.supersedes_id else None,
        "answers": deal_ref(deal.answers) if deal.answers_id else None,
        "editor_note": header.get("editor_note"),
        # A datetime, written by the API's JSON encoder as every other one it sends.
        "updated_at": _to_millisecond(deal.updated_at),
        "parties": list(members.values()),
        "phases": [
            {
                "id": p.pk,
                "order": p.order,
                "name": p.name,
                "status": p.status,
                "api_url": api_url("phases", p.pk),
            }
            for p in deal.phases.all()
        ],
        "api_url": api_url("deals", deal.slug),
        "clauses_api_url": api_url("clauses", query=f"deal={quote(deal.slug)}"),
        "claims_api_url": api_url("claims", query=f"deal={quote(deal.slug)}"),
    }


def phase_out(phase: Phase) -> dict[str, Any]:
    return {
        **exports.phase_json(phase),
        "id": phase.pk,
        "deal": deal_ref(phase.deal),
        "api_url": api_url("phases", phase.pk),
    }


def clause_out(clause: Clause) -> dict[str, Any]:
    """A clause from clauses_for_list() (deal, phase, deadline phase and obliged parties)."""
    phase_orders = {}
    for phase in (clause.phase, clause.deadline_phase):
        if phase is not None:
            phase_orders[phase.pk] = phase.order
    data = exports.clause_json(clause, phase_orders=phase_orders)
    if data["deadline"] is not None:
        # Every key of the schema's Deadline, null where this kind of deadline has none.
        data["deadline"] = {key: data["deadline"].get(key) for key in DEADLINE_KEYS}
    return {
        **data,
        "id": clause.pk,
        "deal": deal_ref(clause.deal),
        "position": clause.position,
        "obliged_parties": [party_ref(p) for p in clause.obliged_parties.all()],
        "api_url": api_url("clauses", clause.pk),
    }


def source_ref(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "kind": source.kind,
        "title": source.title,
        "outlet": source.outlet,
        "url": source.url,
        "published_on": source.published_on,
        "page": exports.site_url("desk:source-detail", pk=source.pk),
        "api_url": api_url("sources", source.pk),
    }


def _to_millisecond(when: dt.datetime | None) -> dt.datetime | None:
    """A time cut to the millisecond, as the JSON encoder writes it: one less than a
    millisecond past the second is then written without a fraction ("...:11Z"), as
    validating the answer against its schema writes it. Whole, the encoder wrote
    "...:11.000Z" for it, which reads back as a time without one (1 time in 1,000)."""
    if when is None:
        return None
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def source_out(source: Source) -> dict[str, Any]:
    return {
        **source_ref(source),
        "author": source.author,
        "attribution": source.attribution,
        "language": source.language,
        "updated_at": _to_millisecond(source.updated_at),
    }


def evidence_out(evidence: Evidence, *, include_internal: bool) -> dict[str, Any]:
    data = exports.evidence_json(evidence, include_internal=include_internal)
    passage = data["passage"]
    passage.pop("source", None)
    passage.setdefault("note", None)
    return {
        "id": evidence.pk,
        "relation": data["relation"],
        "note": data.get("note"),
        "passage": passage,
        "source": source_ref(evidence.passage.source),
    }


def claim_out(claim: Claim, *, include_internal: bool) -> dict[str, Any]:
    """A claim with claimant, deal, phase, clause, subjects and evidence fetched
    (api.endpoints.claim_details)."""
    phase = exports.claim_phase(claim)
    deal = exports.claim_deal(claim)
    return {
        "id": claim.pk,
        "statement": claim.statement,
        "claimed_by": claim.claimed_by,
        "claimant": party_ref(claim.claimant) if claim.claimant_id else None,
        "attribution": claim.attribution,
        "subjects": [party_ref(p) for p in claim.subjects.all()],
        "deal": deal_ref(deal) if deal is not None else None,
        "phase": phase.order if phase is not None else None,
        "clause": claim.clause.reference if claim.clause_id else None,
        "kind": claim.kind,
        "compliance": claim.compliance or None,
        "verification": claim.verification,
        "made_on": exports._loose(claim.made_on, claim.made_on_precision),
        "published": claim.is_published,
        "published_at": _to_millisecond(claim.published_at),
        "updated_at": _to_millisecond(claim.updated_at),
        "language": claim.language,
        "evidence": [
            evidence_out(e, include_internal=include_internal) for e in claim.evidence.all()
        ],
        "url": exports.site_url("desk:claim-detail", pk=claim.pk),
        "api_url": api_url("claims", claim.pk),
    }


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    """An assessment from assessments_for_list() (clause, deal, party, cited claims)."""
    clause = assessment.clause
    return {
        "id": assessment.pk,
        "deal": deal_ref(clause.deal),
        "clause": clause.reference,
        "clause_api_url": api_url("clauses", clause.pk),
        "party": party_ref(assessment.party),
        "assessed_on": assessment.assessed_on,
        "level": assessment.level,
        "rationale": assessment.rationale,
        "claims": assessment.cited,
        "published": assessment.is_published,
        "published_at": _to_millisecond(assessment.published_at),
        "url": exports.site_url("desk:clause-detail", slug=clause.deal.slug, ref=clause.reference)
        + f"#assessment-{assessment.pk}",
        "api_url": api_url("assessments", assessment.pk),
    }
