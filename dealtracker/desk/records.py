"""The implementation record on the reading pages: roll-ups, overdue terms,
assessment histories and their step charts.

Builders of template context used by the deal, clause and party pages (the
rules themselves live in claims/rollups.py, claims/assessments.py,
claims/slipping.py and deals/deadlines.py). Each costs a fixed number of
queries whatever the number of clauses, parties or assessments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dealtracker.claims.assessments import assessment_history, step_chart
from dealtracker.claims.compliance import Matrix
from dealtracker.claims.models import AssessmentLevel
from dealtracker.claims.rollups import NOT_ASSESSED, RollupCell, party_rollup, percent
from dealtracker.claims.slipping import OverdueTerm
from dealtracker.deals.deadlines import clause_due_date
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


def _counts(cells) -> tuple[int, int]:
    due = [c for c in cells if c.due]
    return len(due), sum(1 for c in due if c.assessment is None)


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

    Reuses the matrix's cells (each already carries its latest assessment as of
    that day), so this costs no query. Marks each clause in `clauses` with
    `.overdue` (an OverdueTerm or None).
    """
    today = timezone.localdate()
    day = as_of or today
    cells: list[RollupCell] = []
    overdue: list[OverdueTerm] = []
    for row in matrix.rows:
        due = clause_due_date(row.clause)
        obliged = [c for c in row.cells if c.obliged]
        for cell in obliged:
            is_due = due.date is not None and due.date <= day
            cells.append(RollupCell(row.clause, cell.party, cell.assessment, is_due))
        behind = [
            (c.party, c.assessment)
            for c in obliged
            if c.assessment is None or c.assessment.level != AssessmentLevel.FULL
        ]
        if due.is_past(day) and behind:
            overdue.append(OverdueTerm(row.clause, due, behind, (day - due.date).days))
    overdue.sort(key=lambda term: (term.due.date, term.clause.position, term.clause.reference))
    by_clause = {term.clause.pk: term for term in overdue}
    for clause in clauses:
        clause.overdue = by_clause.get(clause.pk)

    phase_names = {p.pk: f"Phase {p.order}: {p.name}" for p in phases}
    phase_order = {p.pk: p.order for p in phases}
    by_phase: dict[int | None, list[RollupCell]] = defaultdict(list)
    by_party: dict[int, list[RollupCell]] = defaultdict(list)
    parties: dict[int, Party] = {}
    for cell in cells:
        by_phase[cell.clause.phase_id].append(cell)
        by_party[cell.party.pk].append(cell)
        parties.setdefault(cell.party.pk, cell.party)
    rollup_phases = [
        Percentage(phase_names.get(key, "Deal-wide terms"), percent(group), *_counts(group))
        for key, group in sorted(
            by_phase.items(), key=lambda item: (item[0] is None, phase_order.get(item[0], 0))
        )
    ]
    rollup_parties = [
        Percentage(
            parties[pk].name, percent(group), *_counts(group), url=parties[pk].get_absolute_url()
        )
        for pk, group in by_party.items()
    ]
    # Furthest behind first; parties with nothing due last.
    rollup_parties.sort(key=lambda p: (p.value is None, p.value or 0, p.label))
    return {
        "as_of_day": day,
        "is_past_view": as_of is not None and as_of < today,
        "rollup_overall": Percentage("Whole deal", percent(cells), *_counts(cells)),
        "rollup_phases": rollup_phases,
        "rollup_parties": rollup_parties,
        "overdue_terms": overdue,
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
    due = clause_due_date(clause)
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
    behind = [
        h.party
        for h in histories
        if due.is_past(today) and (h.latest is None or h.latest.level != "full")
    ]
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
    rows = []
    for pk, value in rollup.by_deal.items():  # type: ignore[attr-defined]
        due, missing = _counts([c for c in rollup.cells if c.clause.deal_id == pk])
        rows.append(Percentage(deals[pk].title, value, due, missing, deals[pk].get_absolute_url()))
    rows.sort(key=lambda p: p.label)
    due, missing = _counts(rollup.cells)
    return {
        "as_of_day": day,
        "party_rollup_overall": Percentage("All deals", rollup.overall, due, missing),
        "party_rollup_deals": rows,
    }
