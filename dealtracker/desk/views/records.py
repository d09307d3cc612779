"""The implementation record: recording and publishing assessments, and the
slipping terms across deals (page and Atom feed).

Rules live in claims/assessments.py and claims/slipping.py; these views
validate input, call them and render.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh, reswap, retarget

from dealtracker.claims.assessments import assessment_publish, assessment_record
from dealtracker.claims.models import Assessment, Claim
from dealtracker.claims.queries import visible_claims
from dealtracker.claims.slipping import OverdueTerm, slipping_list
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.models import Clause, Deal
from dealtracker.desk.access import permission_required, reader_required
from dealtracker.desk.forms.records import AssessmentForm
from dealtracker.desk.htmx import is_partial
from dealtracker.desk.record_context import clause_records
from dealtracker.desk.xmlsafe import XmlSafeAtom1Feed
from dealtracker.interchange.exports import absolute

SLIPPING_PER_PAGE = 25
FEED_ITEMS = 50


def _clause(slug: str, ref: str) -> Clause:
    deal = Deal.objects.filter(slug=slug).first()
    if deal is None:
        raise Http404("No deal at this address.")
    try:
        return deal_queries.clause_for_page(deal=deal, ref=ref)
    except Clause.DoesNotExist as exc:
        raise Http404("No clause with this reference in the deal.") from exc


# --- recording an assessment ----------------------------------------------------------


def _clause_claims(clause: Clause, user) -> list[Claim]:
    """The claims an assessment of this clause may cite (drafts too: editors see them)."""
    return list(
        visible_claims(user=user)
        .filter(clause=clause)
        .select_related("claimant")
        .order_by("-made_on", "-id")[:200]
    )


@require_http_methods(["GET", "POST"])
@permission_required("claims.add_assessment")
@vary_on_headers("HX-Request")
def assessment_new(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    """Record a dated assessment of one obliged party on this clause (editors)."""
    clause = _clause(slug, ref)
    claims = _clause_claims(clause, request.user)
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST, clause=clause, claims=claims)
        if form.is_valid():
            party = next(
                p for p in clause.obliged_parties.all() if str(p.pk) == form.cleaned_data["party"]
            )
            try:
                assessment = assessment_record(
                    clause=clause,
                    party=party,
                    assessed_on=form.cleaned_data["assessed_on"],
                    level=form.cleaned_data["level"],
                    rationale=form.cleaned_data["rationale"],
                    claims=form.selected_claims(),
                    publish=form.cleaned_data["publish"]
                    and request.user.has_perm("claims.change_assessment"),
                    by=request.user,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                if is_partial(request):
                    # In place: the clause page's assessments, with the new one in its history.
                    context = {
                        "deal": clause.deal,
                        "clause": clause,
                        "recorded": assessment,
                        **clause_records(clause=clause, user=request.user),
                    }
                    response = render(request, "desk/includes/records_clause.html", context)
                    return reswap(retarget(response, "#assessments"), "outerHTML")
                return redirect(assessment.get_absolute_url())
        status = 422
    else:
        form = AssessmentForm(
            clause=clause,
            claims=claims,
            initial={"assessed_on": timezone.localdate().isoformat()},
        )
    context = {"clause": clause, "deal": clause.deal, "form": form}
    template = (
        "desk/assessment_form.html#assessment-form"
        if is_partial(request)
        else "desk/assessment_form.html"
    )
    return render(request, template, context, status=status)


@require_POST
@permission_required("claims.change_assessment")
def assessment_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft assessment: public visitors see it from now on."""
    assessment = get_object_or_404(Assessment.objects.select_related("clause__deal"), pk=pk)
    assessment_publish(assessment=assessment, by=request.user)
    if getattr(request, "htmx", False):
        # The clause page is where the request came from: reload it (a redirect to its
        # own address plus a #fragment would only scroll).
        return HttpResponseClientRefresh()
    return redirect(assessment.get_absolute_url())


# --- slipping terms ----------------------------------------------------------------


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def slipping(request: HttpRequest) -> HttpResponse:
    """Overdue terms across deals, most overdue first, paginated."""
    today = timezone.localdate()
    number = request.GET.get("page")
    try:
        start = (max(1, int(number or 1)) - 1) * SLIPPING_PER_PAGE
    except ValueError:
        start = 0  # get_page() below shows the first page too
    # Read a page at a time; the count comes with the page's rows (one per-day query).
    terms = slipping_list(today=today, user=request.user, window=(start, start + SLIPPING_PER_PAGE))
    page = Paginator(terms, SLIPPING_PER_PAGE).get_page(number)
    params = request.GET.copy()

    def page_url(number: int) -> str:
        params["page"] = number
        return "?" + params.urlencode()

    context = {
        "today": today,
        "page": page,
        "total": page.paginator.count,
        "prev_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
    }
    template = "desk/slipping.html#slipping-list" if is_partial(request) else "desk/slipping.html"
    return render(request, template, context)


class SlippingFeed(Feed):
    """Overdue terms across deals. Feeds are read anonymously: published assessments only."""

    feed_type = XmlSafeAtom1Feed  # no forbidden character, one piece (desk/xmlsafe.py)
    title = "dealtracker — slipping terms"
    subtitle = "Terms of ceasefire deals that are due and not carried out in full."

    def link(self) -> str:
        return absolute(reverse("desk:slipping"))

    def feed_url(self) -> str:
        return absolute(reverse("desk:slipping-feed"))

    def items(self) -> list[OverdueTerm]:
        return slipping_list(today=timezone.localdate(), user=AnonymousUser())[:FEED_ITEMS]

    def item_title(self, term: OverdueTerm) -> str:
        clause = term.clause
        return f"{clause.deal.title}: {clause.reference} {clause.title} — overdue"

    def item_description(self, term: OverdueTerm) -> str:
        parts = [
            f"<p>Due {escape(term.due.display)} ({escape(term.due.basis)}); "
            f"{term.days_overdue} day{'s' if term.days_overdue != 1 else ''} overdue.</p>",
            "<ul>",
        ]
        for party, assessment in term.behind:
            state = (
                f"{assessment.get_level_display()} (assessed {assessment.assessed_on.isoformat()})"
                if assessment
                else "not assessed"
            )
            parts.append(f"<li>{escape(party.name)}: {escape(state)}</li>")
        parts.append("</ul>")
        return "".join(parts)

    def item_link(self, term: OverdueTerm) -> str:
        return absolute(term.clause.get_absolute_url())

    def item_guid(self, term: OverdueTerm) -> str:
        return absolute(term.clause.get_absolute_url()) + f"#due-{term.due.date.isoformat()}"

    item_guid_is_permalink = False

    def item_pubdate(self, term: OverdueTerm) -> dt.datetime:
        day = term.due.date + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

    def item_updateddate(self, term: OverdueTerm) -> dt.datetime:
        return self.item_pubdate(term)


slipping_feed = require_GET(reader_required(SlippingFeed()))
