"""The claims list, search, exports (CSV, deal JSON, Atom feeds, W3C annotations)
and the data dictionary that explains them."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

from django.contrib.syndication.views import Feed
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims.facets import ClaimFacets, claim_facets
from dealtracker.claims.listing import (
    ClaimFilters,
    claim_page,
    claims_by_keyset,
    filtered_claims,
    listed_claims,
    with_list_details,
)
from dealtracker.claims.models import Claim
from dealtracker.db.url_templates import reverse_path
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.models import Deal
from dealtracker.desk.htmx import is_partial
from dealtracker.desk.xmlsafe import XmlSafeAtom1Feed
from dealtracker.fulltext.matching import QueryRefused, parse_query
from dealtracker.interchange import annotations, dictionary, exports
from dealtracker.search.site import site_search
from dealtracker.sources.models import Source

from ..access import reader_required
from ..forms.lists import ClaimFilterForm, SearchForm
from ..fragments import PageFragments, render_page

logger = logging.getLogger(__name__)


def _row_links(claims: list[Claim]) -> None:
    """Each row's links, built without a reverse() per link (a page has about a hundred)."""
    for claim in claims:
        claim.url = reverse_path("desk:claim-detail", pk=claim.pk)
        claim.subject_links = [
            (reverse_path("desk:party-detail", slug=p.slug), p.label) for p in claim.subjects.all()
        ]
        if claim.clause_id:
            clause = claim.clause
            claim.scope_url = reverse_path(
                "desk:clause-detail", slug=clause.deal.slug, ref=clause.reference
            )
            claim.scope_label = f"{clause.deal.title} · {clause.reference}"
        elif claim.phase_id:
            phase = claim.phase
            claim.scope_url = reverse_path(
                "desk:phase-detail", slug=phase.deal.slug, order=phase.order
            )
            claim.scope_label = f"{phase.deal.title} · phase {phase.order}"
        elif claim.deal_id:
            claim.scope_url = reverse_path("desk:deal-detail", slug=claim.deal.slug)
            claim.scope_label = claim.deal.title
        else:
            claim.scope_url = claim.scope_label = ""


# Page positions: a changed filter starts again from the first page.
_POSITION = ("after", "before")


def _list_url(query: QueryDict, *, drop: tuple[str, ...] = (), **values: str) -> str:
    """The claims list's address with `values` set and `drop` (and page positions) removed."""
    params = query.copy()
    for key in (*_POSITION, *drop, *values):
        params.pop(key, None)
    for key, value in values.items():
        params[key] = value
    encoded = params.urlencode()
    return reverse_path("desk:claim-list") + (f"?{encoded}" if encoded else "")


def _facet_links(facets: ClaimFacets, query: QueryDict) -> list[dict]:
    """Each facet value with the address that adds it to the filters (or, when it is
    the filter already, the address without it)."""
    # Another deal's phases and clauses do not apply: choosing a deal drops them.
    drops = {"deal": ("phase", "clause")}
    linked = []
    for facet in facets.facets:
        drop = drops.get(facet.param, ())
        values = [
            {
                **vars(v),
                "url": _list_url(query, drop=(facet.param, *drop))
                if v.selected
                else _list_url(query, drop=drop, **{facet.param: v.value}),
            }
            for v in facet.values
        ]
        linked.append({**vars(facet), "values": values})
    return linked


def _active_filters(
    filters: ClaimFilters, query: QueryDict, form: ClaimFilterForm
) -> list[tuple[str, str, str]]:
    """(what, value, address without it) for each filter in force: the chips above the list."""

    def choice(name: str) -> str:
        value = getattr(filters, name)
        return value and dict(form.fields[name].choices).get(value, value)

    f = filters
    candidates = [
        ("Text", f.q and f"“{f.q}”", ("q",)),
        ("Deal", f.deal and f.deal.title, ("deal", "phase", "clause")),
        ("Phase", f.phase and f"{f.phase.order}. {f.phase.name}", ("phase",)),
        ("Clause", f.clause and f"{f.clause.reference} {f.clause.title}", ("clause",)),
        ("Claimed by", f.claimant and f.claimant.label, ("claimant",)),
        ("About", f.subject and f.subject.label, ("subject",)),
        ("Kind", choice("kind"), ("kind",)),
        ("Asserted compliance", choice("compliance"), ("compliance",)),
        ("Verification", choice("verification"), ("verification",)),
        ("Made from", f.made_from and f.made_from.isoformat(), ("made_from",)),
        ("Made until", f.made_to and f.made_to.isoformat(), ("made_to",)),
    ]
    return [(what, value, _list_url(query, drop=drop)) for what, value, drop in candidates if value]


def _claim_filter_form(request: HttpRequest) -> ClaimFilterForm:
    form = ClaimFilterForm(request.GET)
    form.is_valid()
    return form


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def claim_list(request: HttpRequest) -> HttpResponse:
    """Claims, filtered by query parameters, newest first, in keyset pages."""
    partial = is_partial(request)

    def context() -> dict:
        form = _claim_filter_form(request)
        filters = form.filters()
        claims = filtered_claims(user=request.user, filters=filters)
        # The facets count the matches (up to FACET_SCAN): the page needs no count of its own.
        facets = claim_facets(claims, filters=filters)
        page = claim_page(
            listed_claims(user=request.user, filters=filters, details=with_list_details),
            oldest_first=filters.oldest_first,
            after=form.cleaned_data.get("after"),
            before=form.cleaned_data.get("before"),
        )
        page.total, page.total_capped, page.cap = facets.counted, facets.capped, facets.scan
        _row_links(page.claims)
        return {
            "form": form,
            "filters": filters,
            "page": page,
            "facets": _facet_links(facets, request.GET),
            "facets_capped": facets.capped,
            "facet_scan": facets.scan,
            "active_filters": _active_filters(filters, request.GET, form),
            "notices": form.error_messages(),
            "is_first_page": not (
                form.cleaned_data.get("after") or form.cleaned_data.get("before")
            ),
            "phases": deal_queries.phases_of_deal(deal=filters.deal) if filters.deal else [],
            "clauses": deal_queries.clause_choices(deal=filters.deal) if filters.deal else [],
            "sees_drafts": sees_drafts(request.user),
            "vocabulary_controls": [
                (
                    name,
                    form.fields[name].label,
                    form.fields[name].choices,
                    form.cleaned_data.get(name) or "",
                )
                for name in ("kind", "compliance", "verification", "sort")
            ],
        }

    template = "desk/claim_list.html" + ("#claim-list" if partial else "")
    # A list swapped in by HTMX brings the chosen deal's phase and clause controls
    # too (out of band): the form around them is not swapped.
    return render_page(request, template, PageFragments(request, context), {"oob": partial})


@require_GET
@reader_required
def claim_csv(request: HttpRequest) -> HttpResponse:
    """The claims list as CSV, same filters, every matching row (streamed).

    A bad filter value is a 400 here, not a notice: a file cannot carry one,
    and silently exporting more than was asked would mislead.
    """
    form = _claim_filter_form(request)
    errors = [m for m in form.error_messages() if not m.startswith(("after", "before"))]
    if errors:
        return HttpResponseBadRequest(
            "The CSV was not made; these filters are not valid:\n"
            + "\n".join(f"- {e}" for e in errors)
            + "\n",
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    claims = listed_claims(user=request.user, filters=filters, details=exports.csv_claims)
    lines = exports.csv_lines(claims_by_keyset(claims, oldest_first=filters.oldest_first))
    # The header and the first row before the response starts: the query has run, so
    # a failure of it is an error page, not a file cut short after its header.
    first = list(itertools.islice(lines, 2))
    response = StreamingHttpResponse(
        _cut_on_failure(itertools.chain(first, lines), request.get_full_path()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="dealtracker-claims.csv"'
    return response


def _cut_on_failure(lines: Iterator[str], where: str) -> Iterator[str]:
    """Rows as they come; a failure later on (the database gone mid-export) is logged and
    re-raised, so the server drops the connection before the chunked body's end and
    the download is reported as failed, never delivered as a complete-looking file."""
    try:
        yield from lines
    except Exception:
        logger.exception("CSV export %s failed after it had started", where)
        raise


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    """Search clauses, claims, sources and passages; parties by (misspelled) name."""
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    notices = [] if form.is_valid() else ["The search text is too long; shorten it."]

    def context() -> dict:
        # Asked here, not in the form, so that a cached page costs no query for it.
        try:
            parsed = parse_query(q) if q else None
        except QueryRefused as refused:
            return {"results": None, "notices": [*notices, str(refused)]}
        return {"results": site_search(q, user=request.user, parsed=parsed), "notices": notices}

    page_cache = PageFragments(request, context)
    return render_page(request, "desk/search.html", page_cache, {"form": form, "q": q})


@require_GET
@reader_required
def deal_json(request: HttpRequest, slug: str) -> HttpResponse:
    """A whole deal as JSON (see /data/ for every key)."""
    try:
        deal = deal_queries.deal_for_page(slug=slug)
    except Deal.DoesNotExist:
        raise Http404("No deal at this address.") from None
    document = exports.deal_document(
        deal, user=request.user, include_internal=sees_drafts(request.user)
    )
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{deal.slug}.json"'
    return response


class ClaimsFeed(Feed):
    """New and changed published claims, all deals (drafts never: feeds are read anonymously)."""

    # Drops control characters XML 1.0 forbids (a name pasted with one must not 500 the feed).
    feed_type = XmlSafeAtom1Feed
    title = "dealtracker — new and changed claims"
    subtitle = "Claims about ceasefire deals, newest changes first."

    def link(self) -> str:
        return exports.absolute(reverse("desk:claim-list"))

    def feed_url(self) -> str:
        return exports.absolute(reverse("desk:claims-feed"))

    def items(self):
        return exports.feed_claims()

    def item_title(self, item: Claim) -> str:
        # Atom titles are plain text; the feed writer escapes them once.
        return item.statement if len(item.statement) <= 200 else item.statement[:197] + "…"

    def item_description(self, item: Claim) -> str:
        return exports.feed_summary_html(item)

    def item_link(self, item: Claim) -> str:
        return exports.absolute(item.get_absolute_url())

    def item_guid(self, item: Claim) -> str:
        return exports.absolute(item.get_absolute_url())

    def item_pubdate(self, item: Claim):
        return item.published_at or item.created_at

    def item_updateddate(self, item: Claim):
        return item.updated_at

    def item_author_name(self, item: Claim) -> str:
        return item.claimed_by

    def item_categories(self, item: Claim) -> list[str]:
        categories = [item.get_kind_display(), item.get_verification_display()]
        if item.compliance:
            categories.append(item.get_compliance_display())
        return categories


class DealFeed(ClaimsFeed):
    """New and changed published claims of one deal."""

    def get_object(self, request: HttpRequest, slug: str) -> Deal:
        return deal_queries.deal_for_page(slug=slug)

    def title(self, obj: Deal) -> str:
        return f"dealtracker — claims about {obj.title}"

    def link(self, obj: Deal) -> str:
        return exports.absolute(obj.get_absolute_url())

    def feed_url(self, obj: Deal) -> str:
        return exports.absolute(reverse("desk:deal-feed", kwargs={"slug": obj.slug}))

    def items(self, obj: Deal):
        return exports.feed_claims(deal=obj)


claims_feed = require_GET(reader_required(ClaimsFeed()))
deal_feed = require_GET(reader_required(DealFeed()))

JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def _jsonld(document: dict) -> HttpResponse:
    return JsonResponse(document, content_type=JSONLD, json_dumps_params={"ensure_ascii": False})


@require_GET
@reader_required
def source_annotations(request: HttpRequest, pk: int) -> HttpResponse:
    """A source's evidence as a W3C AnnotationCollection."""
    source = get_object_or_404(Source.objects.only("id", "title"), pk=pk)
    return _jsonld(annotations.source_collection(source, user=request.user))


@require_GET
@reader_required
def all_annotations(request: HttpRequest) -> HttpResponse:
    """Every annotation: the collection, or with ?page=N one AnnotationPage."""
    raw = request.GET.get("page")
    if raw is None:
        return _jsonld(annotations.database_collection())
    if not raw.isdigit() or len(raw) > 12:
        return HttpResponseBadRequest(
            "page must be a whole number, 0 or more.", content_type="text/plain; charset=utf-8"
        )
    page = annotations.database_page(int(raw), user=request.user)
    if page is None:
        raise Http404("No such page of annotations.")
    return _jsonld(page)


@require_GET
@reader_required
def data_dictionary(request: HttpRequest) -> HttpResponse:
    """Every field and value of the exports, generated from the code that writes them."""
    return render(request, "desk/data_dictionary.html", dictionary.dictionary_context())
