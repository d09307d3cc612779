"""Geometry of the chart images that the pages do not draw themselves: the roll-up
bars, and the layout of a standalone chart (title above, source line below).

The timeline (desk/timeline.py) and the step charts (claims/assessments.py)
keep their own geometry; a standalone image places the same SVG the page draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from .record_context import Percentage

# A standalone image: two source lines below the chart.
IMAGE_BOTTOM = 50

BARS_WIDTH = 800
LABEL_X = 12
BAR_X = 330
BAR_WIDTH = 300
VALUE_X = BAR_X + BAR_WIDTH + 10
ROW = 30
GROUP_GAP = 40
LABEL_CHARS = 42


@dataclass
class Bar:
    label: str
    value: str  # "40%", "nothing due yet"
    note: str  # "2 not assessed"
    y: float
    fill_width: float

    @property
    def text_y(self) -> float:
        return self.y + 13

    @property
    def value_x(self) -> int:
        return VALUE_X


@dataclass
class BarGroup:
    label: str
    y: float
    bars: list[Bar]


@dataclass
class RollupBars:
    width: int
    height: int
    groups: list[BarGroup]
    description: str
    bar_x: int = BAR_X
    bar_width: int = BAR_WIDTH
    label_x: int = LABEL_X


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def rollup_bars(
    *, parties: list[Percentage], phases: list[Percentage], overall: Percentage
) -> RollupBars:
    """Horizontal bars of the roll-ups: by party (furthest behind first), then by phase
    and the whole deal. Each bar says its figure in words too."""
    groups = []
    y = 0.0
    described = []
    for label, rows in (("By party", parties), ("By phase", [*phases, overall])):
        if not rows:
            continue
        y += GROUP_GAP
        group = BarGroup(label, y - 12, [])
        for row in rows:
            note = f"{row.not_assessed} not assessed" if row.not_assessed else ""
            group.bars.append(
                Bar(
                    label=_short(row.label),
                    value=row.display,
                    note=note,
                    y=y,
                    fill_width=round(BAR_WIDTH * (row.value or 0) / 100, 1),
                )
            )
            described.append(f"{row.label}: {row.display}" + (f" ({note})" if note else ""))
            y += ROW
        groups.append(group)
    return RollupBars(
        width=BARS_WIDTH,
        height=int(y) + 10,
        groups=groups,
        description="Share of the terms due that the desk judges carried out. "
        + "; ".join(described)
        + ".",
    )


@dataclass
class PlacedChart:
    """One party's step chart in a clause's image, with its top edge."""

    history: object  # records.PartyHistory
    top: int

    @property
    def label_y(self) -> int:
        return self.top + 16

    @property
    def chart_y(self) -> int:
        return self.top + STEP_CHART_LABEL


STEP_CHART_LABEL = 26
STEP_CHART_GAP = 16


def place_step_charts(histories: list) -> tuple[list[PlacedChart], int, int]:
    """The step charts of a clause one under the other: (placed, width, height)."""
    placed = []
    top = 0
    width = 440
    for history in histories:
        placed.append(PlacedChart(history, top))
        top += STEP_CHART_LABEL
        if history.assessments:
            top += history.chart["height"] + 34 + STEP_CHART_GAP
            width = max(width, history.chart["width"] + 100)
        else:
            top += STEP_CHART_GAP
    return placed, width, max(top, 30)
