"""When a clause falls due (DESIGN.md, "Deadlines").

A clause's deadline is a (loose) date, or a delay in hours or days after the
start or end of a phase. The due date uses the phase's actual date when known,
else its planned one, and says which. A clause without a deadline falls due at
its phase's end; a deal-wide clause without one never falls due. Pure
functions over model instances: pass clauses with `phase` and `deadline_phase`
already selected.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .loose_dates import DatePrecision, format_loose_date, period_end


@dataclass(frozen=True)
class DueDate:
    """A clause's due date and what it was computed from."""

    date: dt.date | None  # the last day the term can be met on; None: never due
    precision: str = DatePrecision.DAY
    basis: str = ""  # for people: "deadline", "actual start of phase 2", ...
    planned: bool = False  # True when it rests on a planned (not actual) phase date

    @property
    def display(self) -> str:
        return format_loose_date(self.date, self.precision) if self.date else "no deadline"

    def is_past(self, today: dt.date) -> bool:
        """Due and gone: the last day of the deadline is before today."""
        return self.date is not None and self.date < today


NEVER = DueDate(date=None, basis="deal-wide term without a deadline")


def _phase_date(phase, which: str):
    """(date, precision, planned?) of a phase's start or end: actual when known, else planned."""
    actual = getattr(phase, f"actual_{which}")
    if actual is not None:
        return actual, getattr(phase, f"actual_{which}_precision"), False
    planned = getattr(phase, f"planned_{which}")
    if planned is not None:
        return planned, getattr(phase, f"planned_{which}_precision"), True
    return None, DatePrecision.DAY, True


def clause_due_date(clause) -> DueDate:
    """The due date of a clause, with its basis."""
    if clause.deadline_date is not None:
        precision = clause.deadline_date_precision
        # "early February" is met as long as early February lasts.
        return DueDate(period_end(clause.deadline_date, precision), precision, "deadline")
    if clause.deadline_phase_id is not None:
        phase = clause.deadline_phase
        which = "start" if clause.deadline_anchor == "start" else "end"
        base, precision, planned = _phase_date(phase, which)
        kind = "planned" if planned else "actual"
        unit = clause.deadline_delay_unit
        basis = f"{clause.deadline_delay} {unit} after the {kind} {which} of phase {phase.order}"
        if base is None:
            return DueDate(None, basis=f"{basis} (not yet dated)", planned=True)
        days = clause.deadline_delay if unit == "days" else math.ceil(clause.deadline_delay / 24)
        base = period_end(base, precision)
        return DueDate(base + dt.timedelta(days=days), DatePrecision.DAY, basis, planned)
    if clause.phase_id is not None:
        end, precision, planned = _phase_date(clause.phase, "end")
        kind = "planned" if planned else "actual"
        basis = f"{kind} end of phase {clause.phase.order}"
        if end is None:
            return DueDate(
                None, basis=f"end of phase {clause.phase.order} (not yet dated)", planned=True
            )
        return DueDate(period_end(end, precision), precision, basis, planned)
    return NEVER


def is_due(clause, on: dt.date) -> bool:
    """Whether the clause has fallen due by the given day (its due date is that day or earlier)."""
    due = clause_due_date(clause).date
    return due is not None and due <= on
