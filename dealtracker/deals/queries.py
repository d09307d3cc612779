"""Reused reads of deals, phases, clauses and parties, with their joins done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dealtracker.db.statements import (
    compiled,
    compiled_first,
    compiled_get,
    compiled_prefetch,
    compiled_then,
)

from .models import Clause, Deal, DealParty, Party, Phase


def memberships_prefetch() -> Prefetch:
    """A deal's memberships by role, then by party, with the party."""
    return compiled_prefetch(
        "deals.memberships",
        "memberships",
        DealParty.objects.select_related("party").order_by("role", "party__name", "id"),
    )


def phases_prefetch() -> Prefetch:
    """A deal's phases in order."""
    return compiled_prefetch("deals.phases", "phases", Phase.objects.order_by("order"))


def obliged_parties_prefetch() -> Prefetch:
    """A clause's obliged parties by name (then by id: one order whatever the names)."""
    return compiled_prefetch(
        "deals.obliged_parties", "obliged_parties", Party.objects.order_by("name", "id")
    )


def deals_for_list(*, status: str | None = None, party: Party | None = None) -> QuerySet[Deal]:
    """Deals with their parties and phases, for lists; filtered by status and party."""
    deals = Deal.objects.prefetch_related(memberships_prefetch(), phases_prefetch())
    if status:
        deals = deals.filter(status=status)
    if party is not None:
        deals = deals.filter(pk__in=DealParty.objects.filter(party=party).values("deal_id"))
    return deals


def deal_for_page(*, slug: str) -> Deal:
    """A deal with the deals it answers and supersedes; raises Deal.DoesNotExist."""
    return compiled_get("deals.deal_for_page", _deal_for_page, slug=slug)


def _deal_for_page(*, slug: str) -> QuerySet[Deal]:
    return Deal.objects.select_related("answers", "supersedes").filter(slug=slug)


def deal_renamed_from(*, slug: str) -> Deal | None:
    """The deal that was once at this slug and is at another now (read from its change
    history), so that links to the old address keep working; None when there is none."""
    once = Deal.history.filter(slug=slug).order_by("-history_date").values("id")[:1]
    return Deal.objects.filter(pk__in=Subquery(once)).exclude(slug=slug).first()


def deals_named(*, text: str, limit: int) -> list[Deal]:
    """The deals a filter's text names, at most `limit`: the deal whose slug it is, else
    those whose title or slug it is in any case (spaces collapsed). Titles need not be
    unique: more than one deal means the text does not say which."""
    text = " ".join(text.split())
    if not text:
        return []
    deal = compiled_first("deals.deal_by_slug", _deal_by_slug, slug=text)
    if deal is not None:
        return [deal]
    named = Deal.objects.filter(Q(title__iexact=text) | Q(slug__iexact=text))
    return list(named.order_by("title", "id")[:limit])


def _deal_by_slug(*, slug: str) -> QuerySet[Deal]:
    return Deal.objects.filter(slug=slug)


def deals_titled_like(*, text: str, limit: int) -> list[Deal]:
    """Deals whose title or slug contains the text (any case), in title order, at most
    `limit`: what a filter that names no deal can suggest."""
    text = " ".join(text.split())
    if not text:
        return []
    like = Deal.objects.filter(Q(title__icontains=text) | Q(slug__icontains=text))
    return list(like.only("id", "slug", "title").order_by("title", "id")[:limit])


def related_deals(*, deal: Deal) -> QuerySet[Deal]:
    """Deals that answer or supersede this one (counter-proposals, successors)."""
    return compiled("deals.related_deals", _related_deals, deal_id=deal.pk)


def _related_deals(*, deal_id: int) -> QuerySet[Deal]:
    return Deal.objects.filter(Q(answers_id=deal_id) | Q(supersedes_id=deal_id)).order_by(
        "title", "id"
    )


def phases_of_deal(*, deal: Deal) -> list[Phase]:
    """A deal's phases in order, each given `deal` itself."""
    return of_deal(deal, compiled("deals.phases_of_deal", _phases_of_deal, deal_id=deal.pk))


def _phases_of_deal(*, deal_id: int) -> QuerySet[Phase]:
    return Phase.objects.filter(deal_id=deal_id).order_by("order")


def deal_memberships(*, deal: Deal) -> list[DealParty]:
    """The parties of a deal by role, then name, each membership given `deal` itself."""
    return of_deal(deal, compiled("deals.deal_memberships", _deal_memberships, deal_id=deal.pk))


def _deal_memberships(*, deal_id: int) -> QuerySet[DealParty]:
    return (
        DealParty.objects.filter(deal_id=deal_id)
        .select_related("party")
        .order_by("role", "party__name")
    )


def clauses_of_deal(*, deal: Deal) -> list[Clause]:
    """A deal's clauses in order, with phase, deadline phase and obliged parties, each
    given `deal` itself."""
    return of_deal(deal, compiled("deals.clauses_of_deal", _clauses_of_deal, deal_id=deal.pk))


def _clauses_of_deal(*, deal_id: int) -> QuerySet[Clause]:
    return _clauses_in_order(Clause.objects.filter(deal_id=deal_id))


def clause_choices(*, deal: Deal) -> list[Clause]:
    """A deal's clauses in order, alone (a filter's choices), each given `deal` itself."""
    return of_deal(deal, compiled("deals.clause_choices", _clause_choices, deal_id=deal.pk))


def _clause_choices(*, deal_id: int) -> QuerySet[Clause]:
    return Clause.objects.filter(deal_id=deal_id).order_by("position", "reference", "id")


def clauses_of_phase(*, phase: Phase) -> QuerySet[Clause]:
    """A phase's clauses as clauses_of_deal() gives them, to page through; give the page's
    rows their deal with of_deal()."""
    return compiled("deals.clauses_of_phase", _clauses_of_phase, phase_id=phase.pk)


def _clauses_of_phase(*, phase_id: int) -> QuerySet[Clause]:
    return _clauses_in_order(Clause.objects.filter(phase_id=phase_id))


def _clauses_in_order(clauses: QuerySet[Clause]) -> QuerySet[Clause]:
    return (
        clauses.select_related("phase", "deadline_phase")
        .prefetch_related(obliged_parties_prefetch())
        .order_by("position", "reference", "id")
    )


def of_deal(deal: Deal, rows) -> list:
    """rows, each given `deal` itself as its deal."""
    # What deal.phases (a related manager) does for its rows: each is given the deal
    # object itself rather than loading its own copy when asked (a big deal's page built
    # a copy per clause, then dropped it).
    rows = list(rows)
    for row in rows:
        row.deal = deal
    return rows


def clause_for_page(*, deal: Deal, ref: str) -> Clause:
    """A deal's clause by its reference, with its phases and obliged parties; raises
    Clause.DoesNotExist."""
    return compiled_get("deals.clause_for_page", _clause_for_page, deal_id=deal.pk, ref=ref)


def _clause_for_page(*, deal_id: int, ref: str) -> QuerySet[Clause]:
    return (
        Clause.objects.select_related("deal", "phase", "deadline_phase")
        .prefetch_related(obliged_parties_prefetch())
        .filter(deal_id=deal_id, reference=ref)
    )


def phase_of_deal(*, deal: Deal, order: int) -> Phase | None:
    """A deal's phase by its number (given `deal` as its deal), or None."""
    phase = compiled_first("deals.phase_of_deal", _phase_of_deal, deal_id=deal.pk, order=order)
    if phase is not None:
        phase.deal = deal
    return phase


def _phase_of_deal(*, deal_id: int, order: int) -> QuerySet[Phase]:
    return Phase.objects.filter(deal_id=deal_id, order=order).order_by("pk")


def current_phase(phases: list[Phase]) -> Phase | None:
    """The phase a reader should see as 'now': the active (or stalled) one, else the
    latest completed, else the first scheduled."""
    for status in (Phase.Status.ACTIVE, Phase.Status.STALLED):
        for phase in phases:
            if phase.status == status:
                return phase
    done = [p for p in phases if p.status == Phase.Status.COMPLETED]
    if done:
        return done[-1]
    return phases[0] if phases else None


def parties_for_list(*, kind: str | None = None, name: str | None = None) -> QuerySet[Party]:
    """Parties with how many deals they are in and how many clauses oblige them.
    Compiled once (with its count and pages, desk/paging.py) unless filtered by name,
    whose text is also the one element of an array: not a parameter of its own."""
    if name:
        return _parties_for_list(kind=kind, name=name)
    if kind:
        return compiled("deals.parties_for_list.kind", _parties_for_list, kind=kind)
    return compiled("deals.parties_for_list", _parties_for_list)


def _parties_for_list(*, kind: str | None = None, name: str | None = None) -> QuerySet[Party]:
    parties = Party.objects.annotate(
        deal_count=Coalesce(
            Subquery(
                DealParty.objects.filter(party=OuterRef("pk"))
                .order_by()
                .values("party")
                .annotate(n=Count("deal", distinct=True))
                .values("n")
            ),
            0,
        )
    )
    if kind:
        parties = parties.filter(kind=kind)
    if name:
        parties = parties.filter(
            Q(name__icontains=name) | Q(short_name__icontains=name) | Q(aliases__contains=[name])
        )
    return parties.order_by("name", "id")


def party_for_page(*, slug: str) -> Party | None:
    """A party by its slug, or None."""
    return compiled_first("deals.party_for_page", _party_by_slug, slug=slug)


def _party_by_slug(*, slug: str) -> QuerySet[Party]:
    return Party.objects.filter(slug=slug).order_by("pk")


def party_memberships(*, party: Party) -> QuerySet[DealParty]:
    """A party's memberships of deals, newest deal first, with the deal."""
    return compiled("deals.party_memberships", _party_memberships, party_id=party.pk)


def _party_memberships(*, party_id: int) -> QuerySet[DealParty]:
    return (
        DealParty.objects.filter(party_id=party_id)
        .select_related("deal")
        .order_by("-deal__date_agreed", "deal__title", "role", "id")
    )


def clauses_obliging(*, party: Party) -> QuerySet[Clause]:
    """The clauses that oblige a party, by deal, then in the deal's order."""
    return compiled("deals.clauses_obliging", _clauses_obliging, party_id=party.pk)


def _clauses_obliging(*, party_id: int) -> QuerySet[Clause]:
    return (
        Clause.objects.filter(obliged_parties=party_id)
        .select_related("deal", "phase", "deadline_phase")
        .order_by("deal__title", "deal_id", "position", "reference", "id")
    )


def phases_for_list(*, deal: Deal | None = None, status: str | None = None) -> QuerySet[Phase]:
    """Phases with their deal, filtered by deal and status, in id order (the read API)."""
    phases = Phase.objects.select_related("deal").only(
        *[f.name for f in Phase._meta.concrete_fields if f.name != "deal"],
        "deal__id",
        "deal__slug",
        "deal__title",
    )
    if deal is not None:
        phases = phases.filter(deal=deal)
    if status:
        phases = phases.filter(status=status)
    return phases.order_by("id")


def clauses_for_list(
    *,
    deal: Deal | None = None,
    phase: Phase | None = None,
    category: str | None = None,
    party: Party | None = None,
) -> QuerySet[Clause]:
    """Clauses with deal, phase, deadline phase and obliged parties, filtered by deal,
    phase, category and a party they oblige, in id order (the read API)."""
    return _clauses_filtered(**_clause_filters(deal, phase, category, party))


def _clause_filters(deal, phase, category, party) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if phase is not None:
        values["phase_id"] = phase.pk
    elif deal is not None:
        values["deal_id"] = deal.pk
    if category:
        values["category"] = category
    if party is not None:
        values["party_id"] = party.pk
    return values


def _clauses_filtered(
    *,
    phase_id: int | None = None,
    deal_id: int | None = None,
    category: str = "",
    party_id: int | None = None,
) -> QuerySet[Clause]:
    clauses = (
        Clause.objects.select_related("deal", "phase", "deadline_phase")
        .defer("search_vector", "deal__summary", "deal__editor_note")
        .prefetch_related(obliged_parties_prefetch())
    )
    if phase_id is not None:
        clauses = clauses.filter(phase_id=phase_id)
    elif deal_id is not None:
        clauses = clauses.filter(deal_id=deal_id)
    if category:
        clauses = clauses.filter(category=category)
    if party_id is not None:
        clauses = clauses.filter(
            pk__in=Clause.obliged_parties.through.objects.filter(party_id=party_id).values(
                "clause_id"
            )
        )
    return clauses.order_by("id")


def clauses_listed(
    *,
    deal: Deal | None = None,
    phase: Phase | None = None,
    category: str | None = None,
    party: Party | None = None,
    then: Callable[[QuerySet[Clause]], QuerySet[Clause]],
) -> QuerySet[Clause]:
    """then(clauses_for_list(...)), compiled once per shape of the filters and `then`
    (a module-level function: what a reader of the rows needs joined)."""
    values = _clause_filters(deal, phase, category, party)
    return compiled_then(
        ("deals.clauses_listed", *sorted(values)), _clauses_filtered, then, **values
    )
