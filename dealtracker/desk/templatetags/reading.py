"""Small template helpers for the reading pages: symbols that go with words,
so that no status is told by colour alone."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from dealtracker.claims.compliance import COMPLIANCE_SYMBOLS
from dealtracker.claims.models import ClaimVerification
from dealtracker.claims.queries import passage_in_context
from dealtracker.deals.loose_dates import format_loose_date
from dealtracker.deals.timeline import STATUS_SYMBOLS

register = template.Library()

VERIFICATION_SYMBOLS = {
    ClaimVerification.UNVERIFIED: "○",
    ClaimVerification.CORROBORATED: "✔",
    ClaimVerification.DISPUTED: "⚠",
    ClaimVerification.REFUTED: "✗",
}


@register.filter
def compliance_symbol(value: str) -> str:
    return COMPLIANCE_SYMBOLS.get(value, "")


@register.filter
def verification_symbol(value: str) -> str:
    return VERIFICATION_SYMBOLS.get(value, "")


@register.filter
def phase_symbol(value: str) -> str:
    return STATUS_SYMBOLS.get(value, "")


@register.filter
def loose_date(value, precision: str = "day") -> str:
    """A date shown only as precisely as it is known: 'early February 2025'."""
    return format_loose_date(value, precision or "day")


@register.filter
def quote_context(passage, chars: int = 120):
    """The passage with some text around it, cut at word boundaries (see claims.queries)."""
    return passage_in_context(passage, chars=int(chars))


@register.filter
def datetime_attr(value) -> str:
    """A moment for a `datetime` attribute: UTC, whole seconds ("2025-04-18T09:00:00Z").

    Django's 'c' format keeps microseconds, which HTML's date-time syntax refuses
    (at most three digits of a second).
    """
    if not value:
        return ""
    if timezone.is_aware(value):
        value = value.astimezone(dt.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
