"""Filtering deals by the ceasefire facts conflict researchers code (DESIGN.md, "Deal")."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Deal


def deals_with_facts(
    deals: QuerySet[Deal],
    *,
    purpose: str | None = None,
    stage: str | None = None,
    form: str | None = None,
    mediated: bool | None = None,
    mechanism: str | None = None,
) -> QuerySet[Deal]:
    """Deals narrowed by purpose, preliminary/definitive, written/verbal, mediation and a
    mechanism agreed (each served by an index; mechanisms by their GIN index)."""
    if purpose:
        deals = deals.filter(purpose=purpose)
    if stage:
        deals = deals.filter(stage=stage)
    if form:
        deals = deals.filter(form=form)
    if mediated is not None:
        deals = deals.filter(mediated=mediated)
    if mechanism:
        deals = deals.filter(mechanisms__contains=[mechanism])
    return deals
