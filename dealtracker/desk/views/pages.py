"""The reading pages journalists open every day: home, deals, phases, clauses,
the compliance matrix, comparisons, claims and parties.

Every page runs a fixed number of queries whatever the amount of data (the
reads in the domain apps do the joins); drafts and internal notes are hidden
from public visitors by `visible_claims` and `sees_drafts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims import agreements
from dealtracker.claims import queries as claim_queries
from dealtracker.claims.compliance import (
    COMPLIANCE_ORDER,
    clause_cells,
    compliance_matrix,
    matrix_cell,
    party_compliance_counts,
)
from dealtracker.claims.models import Claim
from dealtracker.claims.slipping import OverdueTerm, overdue_terms
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.compare import compare_clauses, comparison_counts
from dealtracker.deals.models import Clause, Deal, DealParty, Phase
from dealtracker.desk import sharing
from dealtracker.desk.access import reader_required
from dealtracker.desk.forms.lists import DealFilterForm, PartyFilterForm
from dealtracker.desk.forms.pages import AsOfForm
from dealtracker.desk.fragments import PageFragments, render_page
from dealtracker.desk.htmx import is_partial
from dealtracker.desk.matrix import (
    COMPLIANCE_SYMBOLS,
    MATRIX_ROWS,
    DealCompliance,
    PageCell,
    PageMatrix,
    page_matrix,
)
from dealtracker.desk.paging import Paging, paginate
from dealtracker.desk.record_context import clause_records, deal_records, party_records
from dealtracker.desk.timeline import phase_timeline
from dealtracker.interchange.claimreview import claim_review_script
from dealtracker.interchange.exports import absolute
from dealtracker.sources import queries as source_queries

DEALS_PER_PAGE = 20
PARTIES_PER_PAGE = 50
CLAIMS_PER_PAGE = 25
HOME_DEALS = 12
HOME_CLAIMS = 10
# A cell shows its newest claims; the claims list has them all.
CELL_CLAIMS = 20
# The deal page stays the same size whatever the deal holds: its long regions show a
# page at a time (?matrix_page=, ?overdue_page=, ?phase<N>_page=, ?dealwide_page=), each
# page a link away and swapped in place by HTMX. A deal within these bounds (the demo
# deals) shows everything on its first view, as before. MATRIX_ROWS: clause rows of the
# compliance matrix (desk/matrix.py: the matrix embed pages by it too).
OVERDUE_TERMS = 20
GROUP_CLAUSES = 15  # clauses of one phase, or deal-wide, in "Clauses by phase"
# The deal page's regions a link swaps in place: partial name = element id = hx-target.
DEAL_REGIONS = ("matrix-table", "overdue", "clause-groups")
# A phase's page lists its clauses a page at a time (?clause_page=), swapped in place.
PHASE_CLAUSES = 25


# --- helpers -------------------------------------------------------------------


def _as_of(request: HttpRequest) -> tuple[dt.date | None, list[str]]:
    """?as_of=YYYY-MM-DD: validated here; a bad value is ignored with a notice."""
    if "as_of" not in request.GET:
        return None, []
    form = AsOfForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["as_of"], []
    return None, ["The date in “as_of” was not understood (use YYYY-MM-DD) and was ignored."]


def _filter_notices(form: forms.Form) -> list[str]:
    """Notices for the filters that were ignored because their values were not valid."""
    return [
        f"The filter “{name}” was ignored: {'; '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    ]


def _valid_filters(form: forms.Form) -> dict[str, Any]:
    """Filter values that are valid; invalid ones are dropped (and announced)."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}


def _today(request: HttpRequest) -> dt.date:
    return timezone.localdate()


def _get_deal(slug: str) -> Deal:
    try:
        return deal_queries.deal_for_page(slug=slug)
    except Deal.DoesNotExist as exc:
        raise Http404("No deal at this address.") from exc


def _get_clause(deal: Deal, ref: str) -> Clause:
    try:
        return deal_queries.clause_for_page(deal=deal, ref=ref)
    except Clause.DoesNotExist as exc:
        raise Http404("No clause with this reference in the deal.") from exc


@dataclass
class DealRow:
    """A deal as lists show it: status, parties, current phase, claims by compliance."""

    deal: Deal
    current_phase: Phase | None
    compliance: DealCompliance


def _deal_rows(deals: list[Deal], *, user) -> list[DealRow]:
    counts = claim_queries.compliance_counts_by_deal(deal_ids=[d.pk for d in deals], user=user)
    return [
        DealRow(d, deal_queries.current_phase(list(d.phases.all())), DealCompliance(counts[d.pk]))
        for d in deals
    ]


# --- home and lists ---------------------------------------------------------------


@require_GET
@reader_required
def home(request: HttpRequest) -> HttpResponse:
    """The deals, newest activity first, and the latest claims across deals."""

    def context() -> dict[str, Any]:
        deals = list(claim_queries.most_active_deals(user=request.user, limit=HOME_DEALS))
        return {
            "deal_rows": _deal_rows(deals, user=request.user),
            "deal_total": Deal.objects.count(),
            "latest_claims": list(
                claim_queries.latest_claims(user=request.user, limit=HOME_CLAIMS)
            ),
        }

    return render_page(request, "desk/home.html", PageFragments(request, context))


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def deal_list(request: HttpRequest) -> HttpResponse:
    """All deals, filtered by status and party, paginated, newest activity first."""
    form = DealFilterForm(request.GET)
    filters = _valid_filters(form)
    deals = claim_queries.deals_listed(
        user=request.user,
        status=filters.get("status"),
        party=filters.get("party"),
        purpose=filters.get("purpose"),
        stage=filters.get("stage"),
        form=filters.get("form"),
        mediated=filters.get("mediated"),
        mechanism=filters.get("mechanism"),
    )
    paging = paginate(request, deals, DEALS_PER_PAGE)
    context = {
        "form": form,
        "notices": _filter_notices(form),
        "paging": paging,
        "deal_rows": _deal_rows(list(paging.page.object_list), user=request.user),
    }
    template = "desk/deal_list.html#deal-list" if is_partial(request) else "desk/deal_list.html"
    return render(request, template, context)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def party_list(request: HttpRequest) -> HttpResponse:
    """All parties, filtered by kind and name, paginated."""
    form = PartyFilterForm(request.GET)
    filters = _valid_filters(form)
    parties = deal_queries.parties_for_list(kind=filters.get("kind"), name=filters.get("name"))
    paging = paginate(request, parties, PARTIES_PER_PAGE)
    context = {"form": form, "notices": _filter_notices(form), "paging": paging}
    template = "desk/party_list.html#party-list" if is_partial(request) else "desk/party_list.html"
    return render(request, template, context)


# --- a deal, its matrix, phases and clauses -------------------------------------------


@dataclass
class ClauseGroup:
    """The clauses of one phase (or the deal-wide ones: phase None), a page at a time."""

    phase: Phase | None
    paging: Paging
    count: int

    @property
    def key(self) -> str:
        return _group_key(self.phase)

    @property
    def clauses(self) -> list[Clause]:
        return list(self.paging.page.object_list)

    @property
    def pages_label(self) -> str:
        """The name of the group's page links (a landmark among several)."""
        return f"Pages of phase {self.phase.order}" if self.phase else "Pages of deal-wide terms"


def _group_key(phase: Phase | None) -> str:
    """A clause group's name in its element id and page parameter: `phase2`, `dealwide`."""
    return f"phase{phase.order}" if phase else "dealwide"


def _deal_paging(
    request: HttpRequest,
    items: list,
    per_page: int,
    param: str,
    *,
    base: str,
    anchor: str,
    page: int | None = None,
) -> Paging:
    """One region's page (`page`: that page unless the address names one); its links go
    to the deal page itself, also when shown at a matrix cell's address, and back to the
    region."""
    params = request.GET
    if page is not None and param not in params:
        params = params.copy()
        params[param] = page
    return paginate(request, items, per_page, param, params, path=base, anchor=anchor)


class DealPage:
    """The deal page's reads, each made when first asked for: the whole page asks for all
    of them; an HTMX request for one of its regions (DEAL_REGIONS) only for what that
    region shows (`region_context`), not the memberships, related deals, citation or
    latest claims, nor the matrix's counts unless it is the matrix.

    `open_ref`: the clause of an opened matrix cell, whose matrix page is shown unless
    the address names another."""

    def __init__(self, request: HttpRequest, deal: Deal, *, open_ref: str = "") -> None:
        self.request = request
        self.deal = deal
        self.user = request.user
        self.open_ref = open_ref
        self.base = deal.get_absolute_url()
        self.as_of, self.notices = _as_of(request)

    @cached_property
    def phases(self) -> list[Phase]:
        return deal_queries.phases_of_deal(deal=self.deal)

    @cached_property
    def clauses(self) -> list[Clause]:
        return deal_queries.clauses_of_deal(deal=self.deal)

    @cached_property
    def matrix(self) -> PageMatrix:
        # The whole matrix is counted (the contested count, the roll-ups and the overdue
        # terms are the deal's), a page of its rows drawn.
        return page_matrix(
            compliance_matrix(
                deal=self.deal, user=self.user, clauses=self.clauses, as_of=self.as_of
            )
        )

    @cached_property
    def records(self) -> dict[str, Any]:
        return deal_records(
            deal=self.deal,
            clauses=self.clauses,
            phases=self.phases,
            as_of=self.as_of,
            user=self.user,
            matrix=self.matrix,
        )

    @cached_property
    def overdue(self) -> list[OverdueTerm]:
        """The deal's overdue terms, by the one rule (claims/slipping.py overdue_terms): the
        records' when the whole page has them; given the matrix's latest assessments when
        the matrix was read; else the rule reads those of the clauses due (one query)."""
        if "records" in self.__dict__:
            return self.records["overdue_terms"]
        latest = self.matrix.assessments if "matrix" in self.__dict__ else None
        return overdue_terms(
            today=self.as_of or _today(self.request),  # as deal_records
            user=self.user,
            deal=self.deal,
            clauses=self.clauses,
            latest=latest,
        )

    def _paging(self, items: list, per_page: int, param: str, *, anchor: str, page=None):
        return _deal_paging(
            self.request, items, per_page, param, base=self.base, anchor=anchor, page=page
        )

    def matrix_context(self) -> dict[str, Any]:
        """The matrix-table region: a page of the matrix's rows, overdue cells flagged."""
        matrix = self.matrix
        open_index = next(
            (
                i
                for i, row in enumerate(matrix.rows)
                if self.open_ref and row.clause.reference == self.open_ref
            ),
            None,
        )
        paging = self._paging(
            matrix.rows,
            MATRIX_ROWS,
            "matrix_page",
            anchor="matrix",
            page=None if open_index is None else open_index // MATRIX_ROWS + 1,
        )
        return {
            "deal": self.deal,
            "matrix": matrix,
            "matrix_paging": paging,
            "matrix_rows": list(paging.page.object_list),
            "matrix_url": _matrix_url(self.request, self.base, paging.page.number),
            "overdue_clause_ids": {term.clause.pk for term in self.overdue},
        }

    def overdue_context(self) -> dict[str, Any]:
        """The overdue region (a page of the deal's overdue terms), and where the clause
        lists' overdue flags point."""
        overdue = self.overdue
        paging = self._paging(overdue, OVERDUE_TERMS, "overdue_page", anchor="overdue")
        return {
            "deal": self.deal,
            "as_of": self.as_of,
            "overdue_terms": overdue,
            "overdue_clause_ids": {term.clause.pk for term in overdue},
            "overdue_paging": paging,
            "overdue_links": _overdue_links(self.request, overdue, paging.page.number, self.base),
        }

    def clause_groups_context(self) -> dict[str, Any]:
        """The clause-groups region: a page of each phase's clauses (and the deal-wide
        ones), their overdue flags pointing at the overdue terms."""
        clauses = self.clauses
        groups: list[tuple[Phase | None, list[Clause]]] = [
            (phase, [c for c in clauses if c.phase_id == phase.pk]) for phase in self.phases
        ]
        deal_wide = [c for c in clauses if c.phase_id is None]
        if deal_wide:
            groups.insert(0, (None, deal_wide))
        clause_groups = []
        for phase, members in groups:
            key = _group_key(phase)
            paging = self._paging(members, GROUP_CLAUSES, f"{key}_page", anchor=f"group-{key}")
            clause_groups.append(ClauseGroup(phase, paging, len(members)))
        return {**self.overdue_context(), "clause_groups": clause_groups}

    def region_context(self, region: str) -> dict[str, Any]:
        """What one region of DEAL_REGIONS shows, read alone."""
        return {
            "matrix-table": self.matrix_context,
            "overdue": self.overdue_context,
            "clause-groups": self.clause_groups_context,
        }[region]()

    def context(self) -> dict[str, Any]:
        """The whole page's context."""
        deal, user, matrix = self.deal, self.user, self.matrix
        records = self.records  # first: the regions' overdue terms are its
        timeline = phase_timeline(deal=deal, phases=self.phases, today=_today(self.request))
        return {
            **records,
            **self.matrix_context(),
            **self.clause_groups_context(),  # with the overdue region's
            "citation": sharing.deal_citation(deal, today=_today(self.request)),
            "embeds": sharing.deal_embeds(
                deal,
                rows=len(matrix.rows),
                parties=len(matrix.parties),
                rollup_rows=(len(records["rollup_parties"]), len(records["rollup_phases"])),
                timeline=timeline,
            ),
            "notices": self.notices,
            "memberships": deal_queries.deal_memberships(deal=deal),
            "related": list(deal_queries.related_deals(deal=deal)),
            "phases": self.phases,
            "current_phase": deal_queries.current_phase(self.phases),
            "timeline": timeline,
            "clauses": self.clauses,
            "clause_count": len(self.clauses),
            "recent_claims": list(claim_queries.recent_claims_for_deal(deal=deal, user=user)),
            "show_internal": sees_drafts(user),
        }


def _deal_context(request: HttpRequest, deal: Deal, *, open_ref: str = "") -> dict[str, Any]:
    """The deal page's context (DealPage)."""
    return DealPage(request, deal, open_ref=open_ref).context()


def _overdue_links(request: HttpRequest, terms: list, shown: int, base: str) -> dict[int, str]:
    """Where each overdue clause's flag points: `#overdue-<id>` when its term is on the
    overdue page shown, else the deal page at the overdue page that holds it."""
    links = {}
    params = request.GET.copy()
    for index, term in enumerate(terms):
        number = index // OVERDUE_TERMS + 1
        anchor = f"#overdue-{term.clause.pk}"
        if number == shown:
            links[term.clause.pk] = anchor
        else:
            params["overdue_page"] = number
            links[term.clause.pk] = f"{base}?{params.urlencode()}{anchor}"
    return links


def _matrix_url(request: HttpRequest, base: str, page: int) -> str:
    """The deal page at the matrix page shown (a cell's Close link returns there)."""
    query = {"as_of": request.GET["as_of"]} if "as_of" in request.GET else {}
    if page > 1:
        query["matrix_page"] = str(page)
    return f"{base}?{urlencode(query)}#matrix" if query else f"{base}#matrix"


def _deal_region(request: HttpRequest) -> str | None:
    """The region of the deal page an HTMX link asks for (its hx-target), or None."""
    if not is_partial(request):
        return None
    target = request.htmx.target  # type: ignore[attr-defined]
    return target if target in DEAL_REGIONS else None


def _deal_oembed(deal: Deal) -> dict[str, str]:
    """The page's oEmbed discovery link: a CMS given its address embeds the matrix."""
    return {
        "url": sharing.oembed_url(absolute(deal.get_absolute_url())),
        "title": f"Who complies with what: {deal.title}",
    }


@require_GET
@reader_required
@vary_on_headers("HX-Request", "HX-Target")
def deal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A deal: parties, timeline, clauses by phase, compliance matrix. An HTMX link
    of one of its paginated regions (DEAL_REGIONS) gets that region alone."""
    region = _deal_region(request)
    if region:
        # Only what the region shows is read (DealPage.region_context).
        context = DealPage(request, _get_deal(slug)).region_context(region)
        return render(request, f"desk/deal_detail.html#{region}", context)

    def context() -> dict[str, Any]:
        deal = _get_deal(slug)  # here too: a page from the cache runs no query for it
        return {**_deal_context(request, deal), "oembed": _deal_oembed(deal)}

    return render_page(request, "desk/deal_detail.html", PageFragments(request, context))


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def deal_matrix_cell(request: HttpRequest, slug: str, ref: str, party_slug: str) -> HttpResponse:
    """One matrix cell's claims: in place on the deal page (HTMX), or the deal page
    opened at that cell when the address is visited directly."""
    deal = _get_deal(slug)
    party = deal_queries.party_for_page(slug=party_slug)
    if party is None:
        raise Http404("No party at this address.")
    show_internal = sees_drafts(request.user)
    if is_partial(request):
        clause = _get_clause(deal, ref)
        cell = PageCell.of(matrix_cell(clause=clause, party=party, user=request.user))
        claims = claim_queries.claims_in_matrix_cell(clause=clause, party=party, user=request.user)
        context = {"deal": deal, "cell": cell, "cell_claims": list(claims[:CELL_CLAIMS])}
        context["show_internal"] = show_internal
        # The matrix page the cell was opened from (its links carry it): Close returns there.
        page = request.GET.get("matrix_page", "")
        context["matrix_url"] = _matrix_url(
            request, deal.get_absolute_url(), int(page) if page.isdigit() else 1
        )
        return render(request, "desk/deal_detail.html#matrix-cell", context)
    # The whole deal page, opened at this cell and at the matrix page that holds its
    # clause: the matrix already counted it.
    context = _deal_context(request, deal, open_ref=ref)
    clause = next((c for c in context["clauses"] if c.reference == ref), None)
    if clause is None:
        raise Http404("No clause with this reference in the deal.")
    cell = context["matrix"].cell(clause=clause, party=party) or PageCell.of(
        matrix_cell(clause=clause, party=party, user=request.user)
    )
    claims = claim_queries.claims_in_matrix_cell(clause=clause, party=party, user=request.user)
    context.update(
        {"cell": cell, "cell_claims": list(claims[:CELL_CLAIMS]), "oembed": _deal_oembed(deal)}
    )
    # Not kept: one page per cell would crowd the cache for a link few follow.
    page_cache = PageFragments(request, lambda: context, keep=False)
    return render_page(request, "desk/deal_detail.html", page_cache)


@require_GET
@reader_required
@vary_on_headers("HX-Request", "HX-Target")
def phase_detail(request: HttpRequest, slug: str, order: int) -> HttpResponse:
    """A phase: its dates and status, its clauses a page at a time, and every claim about
    it. An HTMX link of its clause pages (hx-target "phase-clauses") gets that list alone."""
    deal = _get_deal(slug)
    phase = deal_queries.phase_of_deal(deal=deal, order=order)
    if phase is None:
        raise Http404("No phase with this number in the deal.")
    clause_paging = paginate(
        request,
        deal_queries.clauses_of_phase(phase=phase),
        PHASE_CLAUSES,
        "clause_page",
        path=request.path,
        anchor="phase-clauses",
    )
    context: dict[str, Any] = {
        "deal": deal,
        "phase": phase,
        "clause_paging": clause_paging,
        "clauses": deal_queries.of_deal(deal, clause_paging.page.object_list),
    }
    if is_partial(request) and request.htmx.target == "phase-clauses":  # type: ignore[attr-defined]
        return render(request, "desk/phase_detail.html#phase-clauses", context)
    paging = paginate(
        request, claim_queries.claims_for_phase(phase=phase, user=request.user), CLAIMS_PER_PAGE
    )
    as_of, notices = _as_of(request)
    context |= {
        "as_of": as_of,
        "notices": notices,
        "paging": paging,
        "show_internal": sees_drafts(request.user),
        "timeline": phase_timeline(deal=deal, phases=[phase], today=_today(request)),
    }
    return render(request, "desk/phase_detail.html", context)


@require_GET
@reader_required
def clause_detail(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    """A clause: its text, the parties it obliges, its due date, and every claim about it."""

    def context() -> dict[str, Any]:
        deal = _get_deal(slug)  # here too: a page from the cache runs no query for them
        clause = _get_clause(deal, ref)
        paging = paginate(
            request,
            claim_queries.claims_for_clause(clause=clause, user=request.user),
            CLAIMS_PER_PAGE,
        )
        as_of, notices = _as_of(request)
        anchor = agreements.clause_verbatim(clause=clause)
        context = {
            "deal": deal,
            "clause": clause,
            "anchor": anchor,
            "original": (
                source_queries.original_document(source_id=anchor.passage.source_id)
                if anchor
                else None
            ),
            "as_of": as_of,
            "notices": notices,
            "due": clause.due_date(),
            "cells": [PageCell.of(c) for c in clause_cells(clause=clause, user=request.user)],
            "paging": paging,
            "show_internal": sees_drafts(request.user),
            "citation": sharing.clause_citation(clause, today=_today(request)),
            **clause_records(clause=clause, user=request.user, as_of=as_of),
        }
        histories = context["histories"]
        context["chart_embed"] = sharing.clause_chart_embed(
            clause, charts=sum(1 for h in histories if h.assessments), parties=len(histories)
        )
        context["oembed"] = {
            "url": sharing.oembed_url(absolute(clause.get_absolute_url())),
            "title": f"Clause {clause.reference}, {clause.title}: implementation over time",
        }
        return context

    return render_page(request, "desk/clause_detail.html", PageFragments(request, context))


@require_GET
@reader_required
def deal_compare(request: HttpRequest, slug: str, other_slug: str) -> HttpResponse:
    """Two versions of a deal side by side, clause by clause."""
    left = _get_deal(slug)
    right = _get_deal(other_slug)
    # By the anchored agreement texts when both deals have them, else by the clauses as typed.
    texts = agreements.agreement_comparison(left=left, right=right)
    pairs = compare_clauses(texts.left_clauses, texts.right_clauses)
    context = {
        "left": left,
        "right": right,
        "pairs": pairs,
        "counts": comparison_counts(pairs),
        "texts": texts,
    }
    return render(request, "desk/deal_compare.html", context)


# --- claims and parties ---------------------------------------------------------------


@require_GET
@reader_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim with each evidence passage shown in its context, linked to its source."""
    try:
        claim = claim_queries.claim_for_page(pk=pk, user=request.user)
    except Claim.DoesNotExist as exc:
        raise Http404("No claim at this address.") from exc
    show_internal = sees_drafts(request.user)
    evidence = [
        (item, claim_queries.passage_in_context(item.passage)) for item in claim.evidence.all()
    ]
    changes = (
        list(claim.verification_changes.order_by("-changed_at", "-id")) if show_internal else []
    )
    context = {
        "claim": claim,
        "evidence": evidence,
        "changes": changes,
        "show_internal": show_internal,
        "claim_review": claim_review_script(claim),
        "citation": sharing.claim_citation(claim, today=_today(request)),
    }
    return render(request, "desk/claim_detail.html", context)


@require_GET
@reader_required
def party_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A party: its deals and roles, the clauses that oblige it, claims it made and about it."""
    party = deal_queries.party_for_page(slug=slug)
    if party is None:
        raise Http404("No party at this address.")
    user = request.user
    memberships: list[DealParty] = list(deal_queries.party_memberships(party=party))
    clauses = paginate(request, deal_queries.clauses_obliging(party=party), 50, "clauses_page")
    compliance = party_compliance_counts(party=party, user=user)

    as_of, notices = _as_of(request)
    context = {
        "party": party,
        "as_of": as_of,
        "notices": notices,
        "memberships": memberships,
        "clauses": clauses,
        "made": paginate(
            request, claim_queries.claims_made_by_party(party=party, user=user), 20, "made_page"
        ),
        "about": paginate(
            request, claim_queries.claims_about_party(party=party, user=user), 20, "about_page"
        ),
        "compliance": [
            (c.label, COMPLIANCE_SYMBOLS[c], compliance[c.value])
            for c in COMPLIANCE_ORDER
            if compliance.get(c.value)
        ],
        "show_internal": sees_drafts(user),
        **party_records(party=party, as_of=as_of, user=user),
    }
    return render(request, "desk/party_detail.html", context)
