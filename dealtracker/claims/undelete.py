"""Bring a deleted claim back from its history: the claim, its subjects, the evidence
links and verification notes deleted with it, and the assessments that cited it —
in one transaction.

DESIGN.md: a claim deleted by an editor "stays restorable from history". The
claim's last history record before its deletion record ('-') holds its fields
and subjects; evidence and verification changes deleted with it have their own
'-' records next to the claim's (claim_delete deletes them in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.history import (
    back_as,
    deleted_objects,
    deleted_with,
    exists,
    last_deletion,
    recreate,
    state_before,
)
from dealtracker.sources.models import Passage

from .models import Assessment, Claim, Evidence, VerificationChange


class RestoreRefused(Exception):
    """The claim cannot come back as it was; the message says why."""


@dataclass
class ClaimRestoreOutcome:
    claim: Claim
    evidence: list[Evidence] = field(default_factory=list)
    # Links that could not come back (their passage is gone), described for the admin.
    skipped: list[str] = field(default_factory=list)
    verification_changes: int = 0
    assessments_relinked: int = 0


def deleted_claims() -> QuerySet:
    """The deletion record of every claim that is deleted now, newest first."""
    return deleted_objects(Claim)


@transaction.atomic
def claim_restore(*, claim_id: int, by=None) -> ClaimRestoreOutcome:
    """Restore a deleted claim with its subjects, evidence links, verification notes and
    assessment citations; refuse (RestoreRefused) when what it points at is gone."""
    if Claim.objects.filter(pk=claim_id).exists():
        raise RestoreRefused(f"Claim {claim_id} is not deleted.")
    deletion = last_deletion(Claim, claim_id)
    if deletion is None:
        raise RestoreRefused(f"There is no record of a deleted claim {claim_id}.")
    before = state_before(Claim, claim_id, deletion)
    again = back_as(Claim, before)
    if again is not None:
        raise RestoreRefused(f"Claim {claim_id} is here again, as claim {again} (imported).")
    missing = [
        f"{label} {pk}"
        for label, model, pk in (
            ("party", Party, before.claimant_id),
            ("deal", Deal, before.deal_id),
            ("phase", Phase, before.phase_id),
            ("clause", Clause, before.clause_id),
        )
        if pk is not None and not exists(model, pk)
    ]
    if missing:
        raise RestoreRefused(
            f"Claim {claim_id} refers to {', '.join(missing)}, deleted since; "
            "restore or recreate them first."
        )

    claim = recreate(before, by=by)
    claim.subjects.set(
        [pid for pid in before.subjects.values_list("party_id", flat=True) if exists(Party, pid)]
    )
    outcome = ClaimRestoreOutcome(claim=claim)

    for record in deleted_with(Evidence, deletion, claim_id=claim_id):
        state = state_before(Evidence, record.id, record)
        if not exists(Passage, state.passage_id):
            outcome.skipped.append(
                f"evidence {record.id}: passage {state.passage_id} has been deleted since"
            )
            continue
        outcome.evidence.append(recreate(state, by=by))

    for record in deleted_with(VerificationChange, deletion, claim_id=claim_id):
        recreate(
            state_before(VerificationChange, record.id, record), by=by, user_fields=("changed_by",)
        )
        outcome.verification_changes += 1

    # Assessments that cited the claim lost the link with it (the m2m rows cascade);
    # their own last history record still lists it.
    cited = Assessment.history.model.claims.model.objects.filter(claim_id=claim_id)
    for assessment in Assessment.objects.filter(id__in=cited.values("history__id")):
        latest = assessment.history.order_by("-history_date", "-history_id").first()
        if latest is not None and latest.claims.filter(claim_id=claim_id).exists():
            assessment.claims.add(claim)
            outcome.assessments_relinked += 1
    return outcome
