"""Loose dates: a date and how precisely it is known.

Reports say "early February" or "in March". Such a date is stored as the first
day of the period it names plus a precision, so it sorts and compares as a
date, and it is shown only as precisely as it is known.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    EARLY_MONTH = "early", "early in the month"
    MID_MONTH = "mid", "mid-month"
    LATE_MONTH = "late", "late in the month"
    MONTH = "month", "month"
    YEAR = "year", "year"


# First day of the period each part of a month names.
PART_OF_MONTH_START: dict[str, int] = {
    DatePrecision.EARLY_MONTH: 1,
    DatePrecision.MID_MONTH: 11,
    DatePrecision.LATE_MONTH: 21,
}


def period_start(day: dt.date, precision: str) -> dt.date:
    """The first day of the period that (day, precision) names."""
    if precision in PART_OF_MONTH_START:
        return day.replace(day=PART_OF_MONTH_START[precision])
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    return day


def period_end(day: dt.date, precision: str) -> dt.date:
    """The last day of the period that (day, precision) names."""
    last = calendar.monthrange(day.year, day.month)[1]
    if precision == DatePrecision.EARLY_MONTH:
        return day.replace(day=10)
    if precision == DatePrecision.MID_MONTH:
        return day.replace(day=20)
    if precision in (DatePrecision.LATE_MONTH, DatePrecision.MONTH):
        return day.replace(day=last)
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    return day


def format_loose_date(day: dt.date | None, precision: str | None) -> str:
    """'2 March 2025', 'early February 2025', 'February 2025', '2025'."""
    if day is None:
        return ""
    month_year = f"{calendar.month_name[day.month]} {day.year}"
    if precision == DatePrecision.YEAR:
        return str(day.year)
    if precision == DatePrecision.MONTH:
        return month_year
    if precision == DatePrecision.EARLY_MONTH:
        return f"early {month_year}"
    if precision == DatePrecision.MID_MONTH:
        return f"mid-{month_year}"
    if precision == DatePrecision.LATE_MONTH:
        return f"late {month_year}"
    return f"{day.day} {month_year}"


def precision_field(**kwargs) -> models.CharField:
    return models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, **kwargs
    )
