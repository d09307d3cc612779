"""One value formatter (dealtracker/display.py) for the change history and the
edit-conflict screen: a value reads the same on both."""

from __future__ import annotations

import datetime as dt

import pytest

from dealtracker.claims.models import Claim
from dealtracker.claims.services import display_value
from dealtracker.desk.change_history import _display, _Names
from dealtracker.display import field_value


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("verification", "disputed", "disputed"),
        ("compliance", "not_complied", "not complied"),
        ("kind", "", "—"),
        ("is_published", True, "yes"),
        ("statement", "Israel refused to honour phase two", "Israel refused to honour phase two"),
    ],
)
def test_history_and_conflicts_show_a_value_alike(name, value, shown):
    field = Claim._meta.get_field(name)
    assert field_value(field, value) == shown
    assert _display(field, value, _Names()) == shown
    assert display_value(name, value) == shown


def test_a_loose_date_reads_as_the_site_writes_it_when_its_precision_is_known():
    field = Claim._meta.get_field("made_on")
    assert field_value(field, dt.date(2025, 2, 1), precision="early") == "early February 2025"
    assert display_value("made_on", "2025-02-01", "early") == "early February 2025"
