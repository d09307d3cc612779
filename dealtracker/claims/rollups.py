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
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from django.db.models import QuerySet

from dealtracker.db.any_of import any_of_values
from dealtracker.db.statements import compiled
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.deals.queries import obliged_parties_prefetch

from .models import Assessment
from .queries import assessments_seen, compiled_as_seen

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


def due_counts(cells: Iterable[RollupCell]) -> tuple[int, int]:
    """How many cells are due, and how many of those the desk has not assessed."""
    due = [cell for cell in cells if cell.due]
    return len(due), sum(1 for cell in due if cell.assessment is None)


@dataclass
class Rollup:
    """The cells of a roll-up and their percentages, overall and per phase, party and deal."""

    as_of: dt.date
    cells: list[RollupCell]

    def _grouped(self, key) -> dict:
        groups: dict = defaultdict(list)
        for cell in self.cells:
            groups[key(cell)].append(cell)
        return dict(groups)

    @cached_property
    def phase_cells(self) -> dict[int | None, list[RollupCell]]:
        """Cells per phase id (None: deal-wide terms)."""
        return self._grouped(lambda cell: cell.clause.phase_id)

    @cached_property
    def party_cells(self) -> dict[int, list[RollupCell]]:
        return self._grouped(lambda cell: cell.party.pk)

    @cached_property
    def deal_cells(self) -> dict[int, list[RollupCell]]:
        return self._grouped(lambda cell: cell.clause.deal_id)

    @property
    def by_phase(self) -> dict[int | None, float | None]:
        return {key: percent(group) for key, group in self.phase_cells.items()}

    @property
    def by_party(self) -> dict[int, float | None]:
        return {key: percent(group) for key, group in self.party_cells.items()}

    @property
    def by_deal(self) -> dict[int, float | None]:
        return {key: percent(group) for key, group in self.deal_cells.items()}

    @property
    def overall(self) -> float | None:
        return percent(self.cells)


def latest_assessments(
    *, clauses: Iterable[Clause], as_of: dt.date, user
) -> dict[tuple[int, int], Assessment]:
    """The latest assessment on or before as_of of each (clause, party), in one query."""
    clause_ids = [clause.pk for clause in clauses]
    if not clause_ids:
        return {}  # as the ORM's empty IN: no query
    rows = compiled_as_seen(
        "claims.latest_assessments",
        _latest_assessments,
        user=user,
        clause_ids=clause_ids,
        as_of=as_of,
    )
    return {(a.clause_id, a.party_id): a for a in rows}


def _latest_assessments(
    *, clause_ids: list[int], as_of: dt.date, drafts: bool
) -> QuerySet[Assessment]:
    return (
        assessments_seen(drafts=drafts)
        .filter(any_of_values("clause_id", clause_ids), assessed_on__lte=as_of)
        .order_by("clause_id", "party_id", "-assessed_on", "-id")
        .distinct("clause_id", "party_id")
    )


def _clauses_with_parties(qs):
    return qs.select_related("phase", "deadline_phase", "deal").prefetch_related(
        obliged_parties_prefetch()
    )


def _clauses_obliging(*, party_id: int) -> QuerySet[Clause]:
    return _clauses_with_parties(Clause.objects.filter(obliged_parties=party_id)).order_by(
        "deal_id", "position", "reference"
    )


def rollup_cells(
    *,
    clauses: list[Clause],
    as_of: dt.date,
    user,
    party: Party | None = None,
    latest: dict[tuple[int, int], Assessment] | None = None,
) -> list[RollupCell]:
    """One cell per clause × obliged party (only `party`'s when given). `latest`: the
    clauses' latest_assessments() as of that day, when the caller already has them."""
    if latest is None:
        latest = latest_assessments(clauses=clauses, as_of=as_of, user=user)
    cells = []
    for clause in clauses:
        due = clause.is_due(as_of)
        for obliged in clause.obliged_parties.all():
            if party is not None and obliged.pk != party.pk:
                continue
            cells.append(RollupCell(clause, obliged, latest.get((clause.pk, obliged.pk)), due))
    return cells


def deal_rollup(
    *,
    deal: Deal,
    as_of: dt.date,
    user,
    clauses: list[Clause] | None = None,
    latest: dict[tuple[int, int], Assessment] | None = None,
) -> Rollup:
    """Implementation percentages of a deal: overall, per phase and per party.

    A page that already holds the deal's clauses (with phase, deadline_phase and
    obliged_parties loaded) and their latest assessments passes them and this runs
    no query; the rule is the same either way.
    """
    if clauses is None:
        clauses = list(
            _clauses_with_parties(Clause.objects.filter(deal=deal)).order_by(
                "position", "reference"
            )
        )
    return Rollup(
        as_of=as_of, cells=rollup_cells(clauses=clauses, as_of=as_of, user=user, latest=latest)
    )


def party_rollup(*, party: Party, as_of: dt.date, user) -> Rollup:
    """How far one party has carried out the clauses that oblige it, across deals."""
    clauses = list(compiled("claims.party_rollup", _clauses_obliging, party_id=party.pk))
    return Rollup(
        as_of=as_of, cells=rollup_cells(clauses=clauses, as_of=as_of, user=user, party=party)
    )
