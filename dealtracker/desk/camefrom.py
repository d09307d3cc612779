"""Where the editor came from, carried explicitly, and what it says about a new claim.

An editor who opens a source from a deal, clause or matrix cell is working
on that deal: a claim they describe belongs to it. The page they came from is
read once — `?from=<path>` (or the older `?deal=<slug>`), else the Referer of
a full page load — and then carried explicitly (`from` in every form and link
of the reading view), never guessed again from whatever was done last.

What a page gives a new claim:
- a deal page: the deal; a phase page: the deal and the phase;
- a clause page: the deal and the clause;
- a matrix cell: the deal, the clause, the party as subject, a compliance claim;
- a claim page: that claim's deal; a party page: the party as subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Deal, Party, Phase

PATH_MAX = 500


@dataclass(frozen=True)
class CameFrom:
    path: str
    label: str  # "the deal page", said to the editor next to the pre-filled deal
    deal: Deal | None = None
    initial: dict[str, Any] = field(default_factory=dict)


def _local_path(raw: str | None) -> str:
    """A path on this site, without query or fragment, or ''."""
    raw = (raw or "").strip()[:PATH_MAX]
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return ""
    if any(ord(c) < 32 for c in raw):
        return ""
    return urlsplit(raw).path


def came_from(request: HttpRequest) -> CameFrom | None:
    """The page the editor came from, if it says something about a new claim."""
    path = _local_path(request.POST.get("from") or request.GET.get("from"))
    if not path:
        slug = (request.POST.get("deal") or request.GET.get("deal") or "").strip()
        if slug:
            try:
                path = reverse("desk:deal-detail", kwargs={"slug": slug})
            except NoReverseMatch:
                path = ""
    htmx = getattr(request, "htmx", None)
    if not path and request.method == "GET" and not htmx:
        # Only a full page load's Referer is the page the editor came from; an
        # HTMX request's is the page they are on.
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
            path = _local_path(urlsplit(referer).path)
    return page_context(path) if path else None


def page_context(path: str) -> CameFrom | None:
    """What the desk page at `path` says about a new claim (None: nothing)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace != "desk":
        return None
    kwargs = match.kwargs
    name = match.url_name
    if name in ("deal-detail", "phase-detail", "clause-detail", "deal-matrix-cell"):
        deal = Deal.objects.filter(slug=kwargs["slug"]).first()
        if deal is None:
            return None
        initial: dict[str, Any] = {"deal": deal.pk}
        label = f"the page of {deal.title}"
        if name == "phase-detail":
            phase = Phase.objects.filter(deal=deal, order=kwargs["order"]).first()
            if phase is not None:
                initial["phase"] = phase.pk
                label = f"the page of phase {phase.order} of {deal.title}"
        clause = None
        if name in ("clause-detail", "deal-matrix-cell"):
            clause = Clause.objects.filter(deal=deal, reference=kwargs["ref"]).first()
            if clause is not None:
                initial["clause"] = clause.pk
                label = f"the page of clause {clause.reference} of {deal.title}"
        if name == "deal-matrix-cell" and clause is not None:
            party = Party.objects.filter(slug=kwargs["party_slug"]).first()
            if party is not None:
                initial["subjects"] = [party.pk]
                initial["kind"] = Claim.Kind.COMPLIANCE
                label = f"the matrix cell of {party.name} on clause {clause.reference}"
        return CameFrom(path=path, label=label, deal=deal, initial=initial)
    if name == "claim-detail":
        claim = Claim.objects.filter(pk=kwargs["pk"]).select_related("deal").first()
        if claim is None or claim.deal is None:
            return None
        return CameFrom(
            path=path,
            label=f"claim {claim.pk}, which is about {claim.deal.title}",
            deal=claim.deal,
            initial={"deal": claim.deal_id},
        )
    if name == "party-detail":
        party = Party.objects.filter(slug=kwargs["slug"]).first()
        if party is None:
            return None
        return CameFrom(
            path=path, label=f"the page of {party.name}", initial={"subjects": [party.pk]}
        )
    return None
