"""Template context of the implementation record on the reading pages: roll-ups,
overdue terms, assessment histories and their step charts.

Builders of context used by the deal, clause and party pages. They hold no rule:
the rules are claims/rollups.py, claims/assessments.py, claims/slipping.py and
the models' Clause.due_date(); here their results become labels, bars and
charts. Each costs a fixed number of queries whatever the number of clauses,
parties or assessments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dealtracker.claims.assessments import assessment_history, step_chart
from dealtracker.claims.compliance import Matrix
from dealtracker.claims.rollups import NOT_ASSESSED, deal_rollup, due_counts, party_rollup
from dealtracker.claims.slipping import overdue_terms
from dealtracker.deals.models import Clause, Deal, Party, Phase


def can_assess(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("claims.add_assessment"))


def can_publish_assessment(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("claims.change_assessment"))


@dataclass
class Percentage:
    """One roll-up figure as pages show it."""

    label: str
    value: float | None  # None: nothing due
    due_cells: int = 0
    not_assessed: int = 0
    url: str = ""

    @property
    def display(self) -> str:
        return "nothing due yet" if self.value is None else f"{round(self.value)}%"

    @property
    def width(self) -> int:
        """Bar width in percent (0 when nothing is due)."""
        return round(self.value or 0)


def deal_records(
    *,
    deal: Deal,
    clauses: list[Clause],
    phases: list[Phase],
    as_of: dt.date | None,
    user,
    matrix: Matrix,
) -> dict[str, Any]:
    """Roll-ups (overall, per phase, per party) and overdue terms of a deal, on a day.

    The rules are claims.rollups.deal_rollup and claims.slipping.overdue_terms, the
    functions /slipping/ and the tests call; they are given the page's clauses and the
    matrix's latest assessments (as of that day), so this costs no query.
    `overdue_clause_ids` lets the clause list and the matrix flag overdue clauses.
    """
    today = timezone.localdate()
    day = as_of or today
    rollup = deal_rollup(
        deal=deal, as_of=day, user=user, clauses=clauses, latest=matrix.assessments
    )
    overdue = overdue_terms(
        today=day, user=user, deal=deal, clauses=clauses, latest=matrix.assessments
    )
    phase_names = {p.pk: f"Phase {p.order}: {p.name}" for p in phases}
    phase_order = {p.pk: p.order for p in phases}
    by_phase = rollup.by_phase
    rollup_phases = [
        Percentage(phase_names.get(key, "Deal-wide terms"), by_phase[key], *due_counts(group))
        for key, group in sorted(
            rollup.phase_cells.items(),
            key=lambda item: (item[0] is None, phase_order.get(item[0], 0)),
        )
    ]
    by_party = rollup.by_party
    rollup_parties = []
    for pk, group in rollup.party_cells.items():
        party = group[0].party
        rollup_parties.append(
            Percentage(party.name, by_party[pk], *due_counts(group), url=party.get_absolute_url())
        )
    # Furthest behind first; parties with nothing due last.
    rollup_parties.sort(key=lambda p: (p.value is None, p.value or 0, p.label))
    return {
        "as_of_day": day,
        "is_past_view": as_of is not None and as_of < today,
        "rollup_overall": Percentage("Whole deal", rollup.overall, *due_counts(rollup.cells)),
        "rollup_phases": rollup_phases,
        "rollup_parties": rollup_parties,
        "overdue_terms": overdue,
        "overdue_clause_ids": {term.clause.pk for term in overdue},
        "not_assessed_label": NOT_ASSESSED,
        "can_assess": can_assess(user),
    }


@dataclass
class PartyHistory:
    party: Party
    assessments: list  # oldest first
    chart: dict

    @property
    def latest(self):
        return self.assessments[-1] if self.assessments else None


def clause_records(*, clause: Clause, user, as_of: dt.date | None = None) -> dict[str, Any]:
    """A clause's due date, whether it is overdue, and each obliged party's assessment
    history (up to as_of when given)."""
    today = as_of or timezone.localdate()
    due = clause.due_date()
    history = assessment_history(clause=clause, user=user, as_of=as_of)
    parties = sorted(clause.obliged_parties.all(), key=lambda p: (p.name, p.pk))
    # The chart spans the clause's own time: from its phase's start (or the first
    # date known) to a little after the last assessment or the due date, not to today.
    dates = [a.assessed_on for items in history.values() for a in items]
    known = [*dates, *([due.date] if due.date else [])]
    start = min(known, default=today)
    start = min(start, clause.phase.start) if clause.phase and clause.phase.start else start
    end = min(max(known, default=today) + dt.timedelta(days=14), today)
    end = max(end, start + dt.timedelta(days=1))
    histories = [
        PartyHistory(
            party=party,
            assessments=history.get(party.pk, []),
            chart=step_chart(history.get(party.pk, []), start=start, end=end),
        )
        for party in parties
    ]
    # The one overdue rule (claims/slipping.py), given the histories' latest assessments.
    latest = {(clause.pk, h.party.pk): h.latest for h in histories if h.latest is not None}
    terms = overdue_terms(today=today, user=user, deal=clause.deal, clauses=[clause], latest=latest)
    behind = [party for term in terms for party, _ in term.behind]
    return {
        "due": due,
        "overdue_parties": behind,
        "histories": histories,
        "chart_start": start,
        "chart_end": end,
        "can_assess": can_assess(user),
        "can_publish_assessment": can_publish_assessment(user),
    }


def party_records(*, party: Party, as_of: dt.date | None, user) -> dict[str, Any]:
    """How far a party has carried out its terms, per deal, on a day."""
    day = as_of or timezone.localdate()
    rollup = party_rollup(party=party, as_of=day, user=user)
    deals: dict[int, Deal] = {}
    for cell in rollup.cells:
        deals.setdefault(cell.clause.deal_id, cell.clause.deal)
    by_deal = rollup.by_deal
    rows = [
        Percentage(deals[pk].title, by_deal[pk], *due_counts(group), deals[pk].get_absolute_url())
        for pk, group in rollup.deal_cells.items()
    ]
    rows.sort(key=lambda p: p.label)
    due, missing = due_counts(rollup.cells)
    return {
        "as_of_day": day,
        "party_rollup_overall": Percentage("All deals", rollup.overall, due, missing),
        "party_rollup_deals": rows,
    }
