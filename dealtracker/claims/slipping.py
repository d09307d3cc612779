"""Slipping terms: clauses due and not carried out in full (DESIGN.md, "Deadlines").

A clause × obliged party is overdue when the clause's due date has passed and
the party's latest assessment (on or before that day) is not *full*. Listed
across deals on /slipping/ and its Atom feed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db.models import Prefetch, Q

from dealtracker.deals.deadlines import DueDate, clause_due_date
from dealtracker.deals.models import Clause, Party

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
    *, today: dt.date, user, deal=None, limit: int | None = None
) -> list[OverdueTerm]:
    """Overdue clauses, most overdue first; a bounded number of queries.

    Candidates are clauses of deals that are not over, with a deadline or a phase;
    the due date is computed in Python (it depends on loose dates and phases).
    """
    clauses = Clause.objects.select_related("deal", "phase", "deadline_phase").prefetch_related(
        Prefetch("obliged_parties", queryset=Party.objects.order_by("name", "id"))
    )
    if deal is not None:
        clauses = clauses.filter(deal=deal)
    else:
        clauses = clauses.exclude(deal__status__in=["concluded", "superseded", "collapsed"])
    # A cheap SQL superset of the overdue clauses: some date they hang on has passed.
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
    candidates = []
    for clause in clauses.order_by("deal_id", "position", "reference"):
        due = clause_due_date(clause)
        if due.date is not None and due.date < today:
            candidates.append((clause, due))
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
