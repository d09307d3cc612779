"""The suggestions panel's one template helper (desk/includes/suggestions.html)."""

from __future__ import annotations

from django import template

from dealtracker.desk.suggesting import accept_fields

register = template.Library()


@register.filter
def claim_prefill_fields(suggestion) -> list[tuple[str, str]]:
    """The `claim-<field>` pairs an Accept posts (desk/includes/new_claim_accept.html)."""
    return accept_fields(suggestion)
