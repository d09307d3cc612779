"""Slipping terms: clauses due and not carried out in full (DESIGN.md, "Deadlines").

A clause × obliged party is overdue when the clause's due date has passed and
the party's latest assessment (on or before that day) is not *full*, unless the
deal is over (concluded, superseded or collapsed). Listed across deals on
/slipping/ and its Atom feed, and per deal on the deal page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db.models import Prefetch, Q, QuerySet

from dealtracker.deals.deadlines import DueDate
from dealtracker.deals.models import DEAL_OVER_STATUSES, Clause, Deal, Party

from .models import Assessment, AssessmentLevel
from .rollups import latest_assessments


@dataclass
class OverdueTerm:
    clause: Clause
    due: DueDate
    # (party, latest assessment or None) for each obliged party not assessed full.
    behind: list[tuple[Party, Assessment | None]]
    days_overdue: int = 0


def overdue_terms(
    *,
    today: dt.date,
    user,
    deal: Deal | None = None,
    clauses: list[Clause] | None = None,
    latest: dict[tuple[int, int], Assessment] | None = None,
    limit: int | None = None,
) -> list[OverdueTerm]:
    """Overdue clauses, most overdue first; a bounded number of queries.

    The one overdue rule, for /slipping/, its feed and the deal page. A deal that
    is over (concluded, superseded or collapsed, `Deal.is_over`) has no overdue
    terms: nothing more is awaited from its parties, and its unmet terms stay on
    its record (the roll-ups and assessments), not on the slipping list.

    `deal` narrows the list to one deal. A page that already holds that deal's
    clauses (with phase, deadline_phase and obliged_parties loaded) and their
    latest_assessments() as of `today` passes them as `clauses` and `latest`,
    and this runs no query.
    """
    if deal is not None and deal.is_over():
        return []
    if clauses is None:
        clauses = list(_candidate_clauses(today=today, deal=deal))
    candidates = []
    for clause in clauses:
        due = clause.due_date()
        if due.is_past(today):
            candidates.append((clause, due))
    if latest is None:
        latest = latest_assessments(clauses=[c for c, _ in candidates], as_of=today, user=user)
    overdue = []
    for clause, due in candidates:
        behind = []
        for party in clause.obliged_parties.all():
            assessment = latest.get((clause.pk, party.pk))
            if assessment is None or assessment.level != AssessmentLevel.FULL:
                behind.append((party, assessment))
        if behind:
            overdue.append(
                OverdueTerm(
                    clause=clause,
                    due=due,
                    behind=behind,
                    days_overdue=(today - cast(dt.date, due.date)).days,  # a candidate's is set
                )
            )
    overdue.sort(key=lambda term: (term.due.date, term.clause.deal.title, term.clause.position))
    return overdue[:limit] if limit else overdue


def _candidate_clauses(*, today: dt.date, deal: Deal | None) -> QuerySet[Clause]:
    """Clauses of deals that are not over with a date they hang on before today: a cheap
    SQL superset of the overdue ones (the due date is computed in Python, as it depends
    on loose dates and phases)."""
    clauses = Clause.objects.select_related("deal", "phase", "deadline_phase").prefetch_related(
        Prefetch("obliged_parties", queryset=Party.objects.order_by("name", "id"))
    )
    if deal is not None:
        clauses = clauses.filter(deal=deal)
    else:
        clauses = clauses.exclude(deal__status__in=DEAL_OVER_STATUSES)
    # (Loose dates are stored as their period's first day, so "<" keeps them.)
    clauses = clauses.filter(
        Q(deadline_date__lt=today)
        | Q(deadline_phase__actual_start__lt=today)
        | Q(deadline_phase__planned_start__lt=today)
        | Q(deadline_phase__actual_end__lt=today)
        | Q(deadline_phase__planned_end__lt=today)
        | Q(
            deadline_date__isnull=True,
            deadline_phase__isnull=True,
            phase__isnull=False,
        )
        & (Q(phase__actual_end__lt=today) | Q(phase__planned_end__lt=today))
    )
    return clauses.order_by("deal_id", "position", "reference")
