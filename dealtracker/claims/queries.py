"""Reused reads of claims and their evidence.

Every function returns a queryset with its joins already done, so a page that
lists what it returns runs a fixed number of queries however many rows there are.
`visible_claims` is the one gate: public visitors (anonymous) never see drafts.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from dealtracker.deals.models import Clause, Deal, Party, Phase

from .models import Claim, Evidence


def user_sees_drafts(user) -> bool:
    """Drafts are for logged-in readers, editors and admins, never for public visitors."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.view_claim"))


def visible_claims(*, user) -> QuerySet[Claim]:
    """The claims this user may see: published ones, plus drafts for logged-in readers."""
    claims = Claim.objects.all()
    if not user_sees_drafts(user):
        claims = claims.filter(is_published=True)
    return claims


def evidence_prefetch(*, to_attr: str | None = None) -> Prefetch:
    """Evidence of claims with the passage and its source, in one extra query."""
    return Prefetch(
        "evidence",
        queryset=Evidence.objects.select_related("passage__source").order_by("id"),
        **({"to_attr": to_attr} if to_attr else {}),
    )


def with_claim_details(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """What a claim row shows: claimant, subjects, clause/phase/deal and evidence count."""
    return (
        claims.select_related("claimant", "deal", "phase__deal", "clause__deal", "clause__phase")
        .prefetch_related(
            Prefetch("subjects", queryset=Party.objects.order_by("name", "id")),
        )
        .annotate(evidence_count=Count("evidence", distinct=True))
    )


def claims_for_clause(*, clause: Clause, user) -> QuerySet[Claim]:
    """Every claim about a clause the user may see, newest first, with its evidence."""
    return with_claim_details(visible_claims(user=user).filter(clause=clause)).prefetch_related(
        evidence_prefetch()
    )


def claims_for_phase(*, phase: Phase, user) -> QuerySet[Claim]:
    """Claims about a phase: said of the phase itself or of one of its clauses."""
    claims = visible_claims(user=user).filter(Q(phase=phase) | Q(clause__phase=phase))
    return with_claim_details(claims).prefetch_related(evidence_prefetch())


def claims_for_deal(*, deal: Deal, user) -> QuerySet[Claim]:
    """Claims tied to a deal directly or through one of its phases or clauses."""
    claims = visible_claims(user=user).filter(
        Q(deal=deal) | Q(clause__deal=deal) | Q(phase__deal=deal)
    )
    return with_claim_details(claims)


def claims_made_by_party(*, party: Party, user) -> QuerySet[Claim]:
    """Claims the party made (it is the claimant)."""
    return with_claim_details(visible_claims(user=user).filter(claimant=party))


def claims_about_party(*, party: Party, user) -> QuerySet[Claim]:
    """Claims about the party (it is one of the subjects)."""
    return with_claim_details(visible_claims(user=user).filter(subjects=party))


def claims_in_matrix_cell(*, clause: Clause, party: Party, user) -> QuerySet[Claim]:
    """The claims one compliance-matrix cell counts (and the refuted ones it strikes through)."""
    claims = visible_claims(user=user).filter(
        kind=Claim.Kind.COMPLIANCE, clause=clause, subjects=party
    )
    return with_claim_details(claims).prefetch_related(evidence_prefetch())


def latest_claims(*, user, limit: int = 10) -> QuerySet[Claim]:
    """The newest claims across deals (by date made, then by id)."""
    return with_claim_details(visible_claims(user=user)).order_by("-made_on", "-id")[:limit]


def claim_for_page(*, pk: int, user) -> Claim:
    """One claim with everything its page shows; raises Claim.DoesNotExist when hidden."""
    claims = visible_claims(user=user).select_related(
        "claimant", "deal", "phase__deal", "clause__deal", "clause__phase"
    )
    claims = claims.prefetch_related(
        Prefetch("subjects", queryset=Party.objects.order_by("name", "id")),
        evidence_prefetch(),
    )
    return claims.get(pk=pk)
