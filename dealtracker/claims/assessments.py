"""Assessments: the newsroom's own dated judgement of one party on one clause.

Recording one never changes an earlier one: a clause has a history per party.
Reads here answer "what did the desk conclude, and when".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dealtracker.db.statements import compiled_prefetch
from dealtracker.deals.models import Clause, Party
from dealtracker.text import strip_controls

from .models import Assessment, AssessmentLevel, Claim
from .queries import assessments_seen, compiled_as_seen
from .rollups import LEVEL_SCORE

# An assessment maps to the words claims use (DESIGN.md, compliance matrix).
LEVEL_TO_COMPLIANCE: dict[str, str] = {
    AssessmentLevel.FULL: Claim.Compliance.COMPLIED,
    AssessmentLevel.INTERMEDIATE: Claim.Compliance.PARTLY,
    AssessmentLevel.MINIMAL: Claim.Compliance.PARTLY,
    AssessmentLevel.NOT_STARTED: Claim.Compliance.NOT_COMPLIED,
}


@transaction.atomic
def assessment_record(
    *,
    clause: Clause,
    party: Party,
    assessed_on: dt.date,
    level: str,
    rationale: str,
    claims: list[Claim] | None = None,
    publish: bool = False,
    by=None,
) -> Assessment:
    """Record a dated assessment of how far `party` has carried out `clause`.

    Anything above "not started" must rest on at least one claim; the claims
    must be about that clause. Earlier assessments are kept.
    """
    claims = list(claims or [])
    errors: dict[str, list[str]] = defaultdict(list)
    if level not in AssessmentLevel.values:
        errors["level"].append(f"Choose one of: {', '.join(AssessmentLevel.labels)}.")
    if not clause.obliged_parties.filter(pk=party.pk).exists():
        errors["party"].append(f"{party.name} is not obliged by clause {clause.reference}.")
    rationale = strip_controls(rationale).strip()
    if not rationale:
        errors["rationale"].append(
            "Say why: the rationale is what readers check the judgement against."
        )
    if level != AssessmentLevel.NOT_STARTED and not claims:
        errors["claims"].append("Cite at least one claim for anything above “not started”.")
    foreign = [c for c in claims if c.clause_id != clause.pk]
    if foreign:
        refs = ", ".join(f"#{c.pk}" for c in foreign)
        errors["claims"].append(f"Claims {refs} are not about clause {clause.reference}.")
    if assessed_on > timezone.localdate():
        errors["assessed_on"].append("An assessment cannot be dated in the future.")
    if errors:
        raise ValidationError(dict(errors))
    assessment = Assessment.objects.create(
        clause=clause,
        party=party,
        assessed_on=assessed_on,
        level=level,
        rationale=rationale,
        is_published=publish,
        published_at=timezone.now() if publish else None,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    assessment.claims.set(claims)
    return assessment


@transaction.atomic
def assessment_publish(*, assessment: Assessment, by=None) -> Assessment:
    if not assessment.is_published:
        assessment.is_published = True
        assessment.published_at = timezone.now()
        assessment.save(update_fields=["is_published", "published_at", "updated_at"])
    return assessment


def assessment_history(
    *, clause: Clause, user, as_of: dt.date | None = None
) -> dict[int, list[Assessment]]:
    """Every visible assessment of a clause, per party id, oldest first (two queries).

    Cited claims come with their claimant (pages say who made them)."""
    dated = {"as_of": as_of} if as_of is not None else {}
    rows = compiled_as_seen(
        ("claims.assessment_history", as_of is None),
        _assessment_history,
        user=user,
        clause_id=clause.pk,
        **dated,
    )
    history: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in rows:
        history[assessment.party_id].append(assessment)
    return dict(history)


def _assessment_history(
    *, clause_id: int, drafts: bool, as_of: dt.date | None = None
) -> QuerySet[Assessment]:
    rows = assessments_seen(drafts=drafts).filter(clause_id=clause_id)
    if as_of is not None:
        rows = rows.filter(assessed_on__lte=as_of)
    return (
        rows.select_related("party")
        .prefetch_related(
            compiled_prefetch(
                "claims.assessment_claims",
                "claims",
                Claim.objects.select_related("claimant").order_by("-made_on", "-id"),
            )
        )
        .order_by("party_id", "assessed_on", "id")
    )


def disagrees(assessment: Assessment | None, latest_claim: Claim | None) -> bool:
    """The desk's latest assessment and the latest claim point different ways."""
    if assessment is None or latest_claim is None:
        return False
    if latest_claim.compliance not in (
        Claim.Compliance.COMPLIED,
        Claim.Compliance.PARTLY,
        Claim.Compliance.NOT_COMPLIED,
    ):
        return False
    return LEVEL_TO_COMPLIANCE[assessment.level] != latest_claim.compliance


def step_chart(
    history: list[Assessment], *, start: dt.date, end: dt.date, width: int = 320, height: int = 60
) -> dict:
    """Geometry of a step chart of one party's assessments over time (inline SVG).

    x is time from start to end, y the implementation step (0..1). Returns the
    polyline points and one labelled point per assessment.
    """
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return round(min(max((day - start).days, 0), span) / span * width, 1)

    def y(score) -> float:
        return round(height - float(score) * height, 1)

    points: list[tuple[float, float]] = []
    marks = []
    for assessment in history:
        score = LEVEL_SCORE[assessment.level]
        px, py = x(assessment.assessed_on), y(score)
        if points:
            points.append((px, points[-1][1]))
        points.append((px, py))
        marks.append({"x": px, "y": py, "assessment": assessment})
    if points:
        points.append((float(width), points[-1][1]))
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{px},{py}" for px, py in points),
        "marks": marks,
        "start": start,
        "end": end,
    }
