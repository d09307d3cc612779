"""A deal's phase timeline: planned against actual dates, today marked.

The geometry is computed here and drawn by a template as inline SVG, so the
template only places shapes. Planned spans are dashed outlines, actual spans
are filled bars, and every phase's status is written out with a symbol next
to its name, so nothing is told by colour alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dealtracker.deals.loose_dates import format_loose_date, period_end
from dealtracker.deals.models import Deal, Phase

WIDTH = 960
LEFT = 12
RIGHT = 12
TOP = 34  # room for the "today" label
ROW = 62
AXIS = 30

STATUS_SYMBOLS: dict[str, str] = {
    Phase.Status.SCHEDULED: "○",
    Phase.Status.ACTIVE: "▶",
    Phase.Status.COMPLETED: "✓",
    Phase.Status.STALLED: "‖",
    Phase.Status.ABANDONED: "✗",
}


@dataclass
class Span:
    x: float
    width: float
    # True when the end is not known and the bar is drawn up to today or the edge.
    open_end: bool
    label: str


@dataclass
class TimelineRow:
    phase: Phase
    y: float
    label: str
    symbol: str
    planned: Span | None
    actual: Span | None

    @property
    def label_y(self) -> float:
        return self.y + 14

    @property
    def planned_y(self) -> float:
        return self.y + 22

    @property
    def actual_y(self) -> float:
        return self.y + 38

    @property
    def undated(self) -> bool:
        return self.planned is None and self.actual is None

    @property
    def open_mark_x(self) -> float:
        return round(self.actual.x + self.actual.width + 2, 1) if self.actual else 0

    @property
    def open_mark_y(self) -> float:
        return self.actual_y + 12


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    rows: list[TimelineRow]
    ticks: list[Tick]
    today: dt.date
    today_x: float | None
    start: dt.date
    end: dt.date
    description: str = ""
    axis_y: float = 0
    summary: list[str] = field(default_factory=list)
    # Said at the edge when today falls outside the drawing.
    today_note: str = ""

    @property
    def right_x(self) -> float:
        return self.width - RIGHT

    @property
    def tick_label_y(self) -> float:
        return self.axis_y + 18

    @property
    def today_label_x(self) -> float:
        """Keep the label inside the drawing when today is near an edge."""
        if self.today_x is None:
            return 0
        return min(max(self.today_x, LEFT + 70), self.width - RIGHT - 70)


def _span_text(start, start_p, end, end_p) -> str:
    first = format_loose_date(start, start_p) if start else "unknown"
    last = format_loose_date(end, end_p) if end else "open"
    return f"{first} – {last}"


def phase_timeline(*, deal: Deal, phases: list[Phase], today: dt.date) -> Timeline | None:
    """The geometry of the deal's timeline, or None when no phase has any date."""
    dates: list[dt.date] = []
    for phase in phases:
        for day in (phase.planned_start, phase.actual_start):
            if day:
                dates.append(day)
        for day, precision in (
            (phase.planned_end, phase.planned_end_precision),
            (phase.actual_end, phase.actual_end_precision),
        ):
            if day:
                dates.append(period_end(day, precision))
    if not dates:
        return None
    start = min(dates)
    last = max(dates)
    # Today belongs on the drawing when it is near the phases; a deal from long ago
    # is not squeezed into a corner: today is then named at the edge instead.
    reach = max(60, (last - start).days // 2)
    today_in_range = start - dt.timedelta(days=reach) <= today <= last + dt.timedelta(days=reach)
    end = max(last, today) if today_in_range else last
    if today_in_range:
        start = min(start, today)
    # A little room either side so bars do not touch the frame.
    total_days = max((end - start).days, 14)
    pad = max(total_days // 20, 2)
    start -= dt.timedelta(days=pad)
    end = start + dt.timedelta(days=total_days + 2 * pad)
    span_days = (end - start).days
    inner = WIDTH - LEFT - RIGHT

    def x_of(day: dt.date) -> float:
        return round(LEFT + inner * (day - start).days / span_days, 1)

    def span(s, sp, e, ep, *, open_to: dt.date | None) -> Span | None:
        if not s:
            return None
        x0 = x_of(s)
        if e:
            x1, open_end = x_of(period_end(e, ep) + dt.timedelta(days=1)), False
        else:
            x1, open_end = x_of(min(max(open_to or s, s), end)), True
        return Span(x0, max(round(x1 - x0, 1), 3), open_end, _span_text(s, sp, e, ep))

    rows = []
    summary = []
    for i, phase in enumerate(phases):
        running = phase.status in (Phase.Status.ACTIVE, Phase.Status.STALLED)
        planned = span(
            phase.planned_start,
            phase.planned_start_precision,
            phase.planned_end,
            phase.planned_end_precision,
            open_to=None,
        )
        actual = span(
            phase.actual_start,
            phase.actual_start_precision,
            phase.actual_end,
            phase.actual_end_precision,
            open_to=today if running else None,
        )
        label = f"Phase {phase.order}: {phase.name} — {phase.get_status_display()}"
        rows.append(
            TimelineRow(
                phase=phase,
                y=TOP + i * ROW,
                label=label,
                symbol=STATUS_SYMBOLS.get(phase.status, ""),
                planned=planned,
                actual=actual,
            )
        )
        summary.append(
            f"{label}; planned {planned.label if planned else 'no dates'}; "
            f"actual {actual.label if actual else 'not started'}."
        )

    ticks = []
    month = dt.date(start.year, start.month, 1)
    months = []
    while month <= end:
        if month >= start:
            months.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    step = max(1, len(months) // 8)
    for m in months[::step]:
        label = m.strftime("%b") if m.month != 1 and len(months) > 1 else m.strftime("%b %Y")
        ticks.append(Tick(x_of(m), label))
    if ticks and " " not in ticks[0].label:
        ticks[0].label = months[0].strftime("%b %Y")

    height = TOP + ROW * len(rows) + AXIS
    today_x = x_of(today) if start <= today <= end else None
    if today_x is None:
        today_note = f"Today, {format_loose_date(today, 'day')}, is " + (
            "later →" if today > end else "← earlier"
        )
    else:
        today_note = ""
    return Timeline(
        width=WIDTH,
        height=height,
        rows=rows,
        ticks=ticks,
        today=today,
        today_x=today_x,
        start=start,
        end=end,
        axis_y=TOP + ROW * len(rows) + 4,
        today_note=today_note,
        description=(
            f"Phases of {deal.title}, planned (dashed outline) against actual (filled) dates; "
            f"today, {format_loose_date(today, 'day')}, is marked with a vertical line. "
            + " ".join(summary)
        ),
        summary=summary,
    )
