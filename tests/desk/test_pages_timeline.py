"""The phase timeline's geometry (desk.timeline), drawn as SVG by the deal page."""

from __future__ import annotations

import datetime as dt

import pytest

from dealtracker.deals.models import Deal, Phase
from dealtracker.desk.timeline import phase_timeline

D = dt.date


def phases(*specs):
    deal = Deal(title="T", slug="t")
    return deal, [
        Phase(deal=deal, order=i + 1, name=f"P{i + 1}", **spec) for i, spec in enumerate(specs)
    ]


def test_no_dates_no_timeline():
    deal, items = phases({}, {})
    assert phase_timeline(deal=deal, phases=items, today=D(2025, 1, 1)) is None


def test_planned_and_actual_spans_are_placed_in_date_order():
    deal, items = phases(
        {
            "planned_start": D(2025, 1, 1),
            "planned_end": D(2025, 1, 31),
            "actual_start": D(2025, 1, 10),
            "actual_end": D(2025, 2, 20),
            "status": Phase.Status.COMPLETED,
        },
        {"planned_start": D(2025, 2, 1), "planned_end": D(2025, 3, 1)},
    )
    t = phase_timeline(deal=deal, phases=items, today=D(2025, 2, 15))
    first, second = t.rows
    assert first.planned.x < first.actual.x
    assert first.actual.x + first.actual.width > first.planned.x + first.planned.width
    assert second.planned.x > first.planned.x
    assert second.actual is None
    assert first.planned.x < t.today_x < second.planned.x + second.planned.width
    assert "completed" in first.label and first.symbol == "✓"


def test_a_running_phase_without_end_reaches_today_and_is_marked_open():
    deal, items = phases(
        {"actual_start": D(2025, 1, 1), "status": Phase.Status.ACTIVE, "planned_end": D(2025, 2, 1)}
    )
    t = phase_timeline(deal=deal, phases=items, today=D(2025, 3, 1))
    row = t.rows[0]
    assert row.actual.open_end
    assert row.actual.x + row.actual.width == pytest.approx(t.today_x, abs=0.2)


def test_today_long_after_the_phases_is_named_at_the_edge_not_drawn():
    deal, items = phases({"planned_start": D(2025, 1, 1), "planned_end": D(2025, 3, 1)})
    t = phase_timeline(deal=deal, phases=items, today=D(2026, 11, 27))
    assert t.today_x is None
    assert "later" in t.today_note
    assert t.end < D(2025, 6, 1)


def test_a_phase_without_dates_is_said_to_have_none():
    deal, items = phases({"planned_start": D(2025, 1, 1), "planned_end": D(2025, 3, 1)}, {})
    t = phase_timeline(deal=deal, phases=items, today=D(2025, 2, 1))
    assert t.rows[1].undated
    assert "no dates" in t.description
