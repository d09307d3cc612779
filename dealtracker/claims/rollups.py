"""Implementation roll-ups (DESIGN.md, "Deadlines" and "Assessment").

Each clause due by the chosen day × each party it obliges is one cell; the
cell counts as its latest assessment on or before that day: not started 0,
minimal 1/3, intermediate 2/3, full 1 — and as 0, labelled "not assessed",
when there is none. Percentages per phase, per deal and per party are the mean
over their due cells. Clauses not yet due are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Prefetch

from dealtracker.deals.deadlines import clause_due_date
from dealtracker.deals.models import Clause, Deal, Party

from .models import Assessment

LEVEL_SCORE: dict[str, Fraction] = {
    Assessment.Level.NOT_STARTED: Fraction(0),
    Assessment.Level.MINIMAL: Fraction(1, 3),
    Assessment.Level.INTERMEDIATE: Fraction(2, 3),
    Assessment.Level.FULL: Fraction(1),
}
NOT_ASSESSED = "not assessed"


@dataclass
class RollupCell:
    clause: Clause
    party: Party
    assessment: Assessment | None
    due: bool

    @property
    def score(self) -> Fraction:
        return LEVEL_SCORE[self.assessment.level] if self.assessment else Fraction(0)

    @property
    def label(self) -> str:
        return self.assessment.get_level_display() if self.assessment else NOT_ASSESSED


def percent(cells: Iterable[RollupCell]) -> float | None:
    """Mean score of the due cells as a percentage; None when nothing is due."""
    due = [cell for cell in cells if cell.due]
    if not due:
        return None
    return float(sum(cell.score for cell in due) / len(due) * 100)


@dataclass
class Rollup:
    as_of: dt.date
    cells: list[RollupCell]
    by_phase: dict[int | None, float | None] = field(default_factory=dict)
    by_party: dict[int, float | None] = field(default_factory=dict)
    overall: float | None = None


def visible_assessments(*, user):
    """Assessments a user may see: drafts only for logged-in desk users."""
    qs = Assessment.objects.all()
    if not (user.is_authenticated and user.has_perm("claims.view_assessment")):
        qs = qs.filter(is_published=True)
    return qs


def latest_assessments(
    *, clauses: Iterable[Clause], as_of: dt.date, user
) -> dict[tuple[int, int], Assessment]:
    """The latest assessment on or before as_of of each (clause, party), in one query."""
    rows = (
        visible_assessments(user=user)
        .filter(clause__in=list(clauses), assessed_on__lte=as_of)
        .order_by("clause_id", "party_id", "-assessed_on", "-id")
        .distinct("clause_id", "party_id")
    )
    return {(a.clause_id, a.party_id): a for a in rows}


def _clauses_with_parties(qs):
    return qs.select_related("phase", "deadline_phase", "deal").prefetch_related(
        Prefetch("obliged_parties", queryset=Party.objects.order_by("name", "id"))
    )


def rollup_cells(
    *, clauses: list[Clause], as_of: dt.date, user, party: Party | None = None
) -> list[RollupCell]:
    latest = latest_assessments(clauses=clauses, as_of=as_of, user=user)
    cells = []
    for clause in clauses:
        due_date = clause_due_date(clause).date
        due = due_date is not None and due_date <= as_of
        for obliged in clause.obliged_parties.all():
            if party is not None and obliged.pk != party.pk:
                continue
            cells.append(RollupCell(clause, obliged, latest.get((clause.pk, obliged.pk)), due))
    return cells


def deal_rollup(*, deal: Deal, as_of: dt.date, user) -> Rollup:
    """Implementation percentages of a deal: overall, per phase and per party."""
    clauses = list(
        _clauses_with_parties(Clause.objects.filter(deal=deal)).order_by("position", "reference")
    )
    cells = rollup_cells(clauses=clauses, as_of=as_of, user=user)
    by_phase: dict[int | None, list[RollupCell]] = defaultdict(list)
    by_party: dict[int, list[RollupCell]] = defaultdict(list)
    for cell in cells:
        by_phase[cell.clause.phase_id].append(cell)
        by_party[cell.party.pk].append(cell)
    return Rollup(
        as_of=as_of,
        cells=cells,
        by_phase={key: percent(group) for key, group in by_phase.items()},
        by_party={key: percent(group) for key, group in by_party.items()},
        overall=percent(cells),
    )


def party_rollup(*, party: Party, as_of: dt.date, user) -> Rollup:
    """How far one party has carried out the clauses that oblige it, across deals."""
    clauses = list(
        _clauses_with_parties(Clause.objects.filter(obliged_parties=party)).order_by(
            "deal_id", "position", "reference"
        )
    )
    cells = rollup_cells(clauses=clauses, as_of=as_of, user=user, party=party)
    by_deal: dict[int, list[RollupCell]] = defaultdict(list)
    for cell in cells:
        by_deal[cell.clause.deal_id].append(cell)
    rollup = Rollup(as_of=as_of, cells=cells, overall=percent(cells))
    rollup.by_phase = {}
    rollup.by_deal = {key: percent(group) for key, group in by_deal.items()}  # type: ignore[attr-defined]
    return rollup
