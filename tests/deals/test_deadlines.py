import datetime as dt

import pytest

from dealtracker.deals.deadlines import clause_due_date, is_due
from dealtracker.deals.models import Clause, Deal, Phase

D = dt.date


@pytest.fixture
def deal(db):
    return Deal.objects.create(title="Test deal", slug="test-deal")


@pytest.fixture
def phase_two(deal):
    return Phase.objects.create(
        deal=deal,
        order=2,
        name="Phase two",
        planned_start=D(2025, 3, 2),
        planned_end=D(2025, 4, 12),
    )


def test_absolute_deadline_is_due_on_its_date(deal):
    clause = Clause(deal=deal, reference="1", title="t", deadline_date=D(2025, 2, 4))
    due = clause_due_date(clause)
    assert due.date == D(2025, 2, 4)
    assert due.basis == "deadline"
    assert not is_due(clause, D(2025, 2, 3))
    assert is_due(clause, D(2025, 2, 4))


def test_loose_deadline_falls_due_at_the_end_of_its_period(deal):
    clause = Clause(
        deal=deal,
        reference="1",
        title="t",
        deadline_date=D(2025, 2, 1),
        deadline_date_precision="early",
    )
    due = clause_due_date(clause)
    assert due.date == D(2025, 2, 10)
    assert due.display == "early February 2025"


def test_relative_deadline_uses_the_planned_start_until_the_actual_start_is_recorded(
    deal, phase_two
):
    clause = Clause(
        deal=deal,
        reference="2.1",
        title="t",
        deadline_delay=72,
        deadline_delay_unit="hours",
        deadline_anchor="start",
        deadline_phase=phase_two,
    )
    due = clause_due_date(clause)
    assert due.date == D(2025, 3, 5)
    assert due.planned
    assert due.basis == "72 hours after the planned start of phase 2"

    phase_two.actual_start = D(2025, 3, 9)
    due = clause_due_date(clause)
    assert due.date == D(2025, 3, 12)
    assert not due.planned
    assert due.basis == "72 hours after the actual start of phase 2"


def test_clause_without_deadline_falls_due_at_its_phase_end(deal, phase_two):
    clause = Clause(deal=deal, reference="2.2", title="t", phase=phase_two)
    assert clause_due_date(clause).date == D(2025, 4, 12)
    assert clause_due_date(clause).basis == "planned end of phase 2"


def test_deal_wide_clause_without_deadline_never_falls_due(deal):
    clause = Clause(deal=deal, reference="0.1", title="t")
    assert clause_due_date(clause).date is None
    assert not is_due(clause, D(2100, 1, 1))


def test_phase_without_dates_gives_no_due_date_yet(deal):
    phase = Phase.objects.create(deal=deal, order=3, name="Phase three")
    clause = Clause(deal=deal, reference="3.1", title="t", phase=phase)
    due = clause_due_date(clause)
    assert due.date is None
    assert "not yet dated" in due.basis


# --- the same rules as model methods -------------------------------------------------


def test_a_clause_answers_when_it_is_due_by_the_deadline_rule(deal, phase_two):
    clause = Clause(deal=deal, reference="2.1", title="t", phase=phase_two)
    assert clause.due_date() == clause_due_date(clause)
    assert clause.due_date().date == D(2025, 4, 12)
    assert not clause.is_due(D(2025, 4, 11))
    assert clause.is_due(D(2025, 4, 12))


@pytest.mark.parametrize(
    ("changes", "overdue"),
    [
        ({}, True),  # planned end 12 April passed, nothing recorded
        ({"status": Phase.Status.COMPLETED}, False),
        ({"status": Phase.Status.ABANDONED}, False),
        ({"actual_end": D(2025, 4, 20)}, False),  # it ended, late or not
        ({"planned_end": None}, False),  # no end to be late against
    ],
)
def test_a_phase_is_overdue_when_still_open_after_its_planned_end(phase_two, changes, overdue):
    for name, value in changes.items():
        setattr(phase_two, name, value)
    assert phase_two.is_overdue(D(2025, 5, 1)) is overdue
    assert not phase_two.is_overdue(D(2025, 4, 12))  # the last day is not late yet


def test_a_phase_due_in_a_loose_month_is_overdue_only_after_that_month(phase_two):
    phase_two.planned_end, phase_two.planned_end_precision = D(2025, 4, 1), "month"
    assert not phase_two.is_overdue(D(2025, 4, 30))
    assert phase_two.is_overdue(D(2025, 5, 1))


@pytest.mark.parametrize(
    ("status", "over"),
    [
        ("in_force", False),
        ("suspended", False),
        ("concluded", True),
        ("superseded", True),
        ("collapsed", True),
    ],
)
def test_a_deal_is_over_when_concluded_superseded_or_collapsed(status, over):
    assert Deal(status=status).is_over() is over
