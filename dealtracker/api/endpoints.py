"""The read API, version 1: deals, phases, clauses, parties, claims (with their
evidence), assessments and sources. django-ninja turns the functions below into
endpoints and the OpenAPI schema; api/gate.py wraps each of them (who asks, rate
limits, conditional GET); api/urls.py mounts them under /api/v1/.

Lists are keyset pages (`next_cursor`, no counts, no offsets): claims in the
claims list's order (newest first, or `sort=oldest`), everything else by id,
so that a script walking the archive sees rows added meanwhile at the end.
Filters are the HTML lists' own forms (api/params.py).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import OperationalError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError
from ninja.security import HttpBearer

from dealtracker.claims import queries as claim_queries
from dealtracker.claims.listing import (
    Cursor,
    claim_page,
    filtered_claims,
    listed_claims,
    with_list_details,
)
from dealtracker.claims.models import Claim, Evidence
from dealtracker.db.statements import compiled_derived, compiled_prefetch, compiled_slice
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.facts import deals_with_facts
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.desk.forms.api import AssessmentFilterForm, ClauseFilterForm, PhaseFilterForm
from dealtracker.desk.forms.lists import (
    ClaimFilterForm,
    DealFilterForm,
    PartyFilterForm,
)
from dealtracker.desk.forms.sources import SourceFilterForm
from dealtracker.desk.middleware import database_trouble
from dealtracker.interchange import exports
from dealtracker.sources.models import Source, SourceDocument, SourceKind

from . import schemas as s
from . import serialize
from .gate import api_error
from .params import (
    DEFAULT_LIMIT,
    BadParameters,
    filter_form,
    id_cursor,
    query_model,
    refuse_unknown,
)

DESCRIPTION = """\
Read what the desk has recorded: deals and their phases and clauses, parties,
claims with the passages they rest on, the newsroom's assessments, and sources.

**Who sees what.** Anonymous clients (only when the site runs in public-read
mode) see published claims and assessments only, and no internal notes. Send a
token — `Authorization: Bearer <token>` — to read as the journalist it was
made for (drafts and internal notes included). Admins create and revoke tokens
in the admin, under *API tokens*; a token is shown once, when it is created.

**Pages.** Lists answer `{"items": [...], "next_cursor": ..., "next": ...}`:
follow `next` (or pass `cursor=<next_cursor>`) until it is null. `limit` sets
the page size (1–200, default 50). Filters are those of the site's lists; an
unknown parameter or a value that is not valid is answered 400, naming it.

**Conditional requests.** Every answer has an `ETag`; send it back as
`If-None-Match` and an unchanged answer is a 304 with no body.

**Rate limits.** Per token (or per address for anonymous clients) and per
minute; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` say where
you stand, and a 429 carries `Retry-After` (seconds).
"""

ERRORS = {400: s.ApiError, 401: s.ApiError, 403: s.ApiError, 429: s.ApiError}
DETAIL_ERRORS = {
    400: s.ApiError,
    401: s.ApiError,
    403: s.ApiError,
    404: s.ApiError,
    429: s.ApiError,
}


class ClientAuth(HttpBearer):
    """The client api/gate.py identified (it answers 401 itself): a bearer token, the
    desk session, or an anonymous client in public-read mode. Named here so that the
    schema declares the bearer scheme."""

    def __call__(self, request: HttpRequest):
        return getattr(request, "api_client", None)

    def authenticate(self, request: HttpRequest, token: str):  # pragma: no cover - see __call__
        return getattr(request, "api_client", None)


class ReadApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # "claim_list", not the module path: what generated clients name their methods.
        return operation.view_func.__name__


api = ReadApi(
    title="dealtracker read API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    openapi_url=None,
    auth=ClientAuth(),
)


@api.exception_handler(BadParameters)
def _bad_parameters(request, exc: BadParameters):
    names = ", ".join(sorted(exc.problems))
    return api_error(
        400,
        "bad_parameter",
        f"Not a valid request: {names}. See “parameters” for why.",
        parameters=exc.problems,
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    problems: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        name = loc[-1] if loc else "parameters"
        problems.setdefault(name, []).append(_explain(error))
    return _bad_parameters(request, BadParameters(problems))


def _explain(error: dict) -> str:
    message = str(error.get("msg", "not valid"))
    if error.get("type") == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"Not one of the values it takes: {expected}."
    if error.get("type") in ("int_parsing", "int_from_float"):
        return "Must be a whole number."
    if error.get("type") in (
        "date_from_datetime_parsing",
        "date_parsing",
        "date_from_datetime_inexact",
    ):
        return "Must be a date written YYYY-MM-DD."
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return api_error(404, "not_found", str(exc) or "Nothing at this address.")


@api.exception_handler(OperationalError)
def _database(request, exc: OperationalError):
    kind = database_trouble(exc)
    if kind is None:
        raise exc
    message = (
        "The request ran longer than the desk allows; narrow the filters and try again."
        if kind == "timeout"
        else "The database is not answering; try again in a few seconds."
    )
    return api_error(503, "unavailable", message, headers={"Retry-After": "10"})


def _client(request: HttpRequest):
    return request.api_client


def _next_link(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return exports.absolute(request.path) + "?" + urlencode(sorted(params.lists()), doseq=True)


def _answer(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    """A list's page as JSON, without ninja validating it against its schema again.

    serialize.py builds each item in its schema's shape already; validating and dumping
    a 50-claim page once more through pydantic was a third of the API's list time on
    the large archive. tests/api/test_schema.py holds every answer to the OpenAPI
    document, and checks that validation would give back exactly what is sent."""
    return api.create_response(request, body, status=200)


def _id_page(request: HttpRequest, rows: QuerySet, filters, render) -> HttpResponse:
    """One page of an id-ordered list after the cursor's id."""
    after = id_cursor(filters.cursor)
    if filters.limit != DEFAULT_LIMIT:  # compiled for the default page alone (see claims)
        page = list(_ids_after(rows, limit=filters.limit, after=after))
    elif after is None:
        page = list(compiled_slice(rows, slice(0, filters.limit + 1)))
    else:
        window = partial(_ids_after, limit=filters.limit)
        page = list(compiled_derived(rows, ("ids after", filters.limit), window, after=after))
    more = len(page) > filters.limit
    page = page[: filters.limit]
    cursor = str(page[-1].pk) if more else None
    return _answer(
        request,
        {
            "items": [render(row) for row in page],
            "next_cursor": cursor,
            "next": _next_link(request, cursor),
        },
    )


def _ids_after(rows: QuerySet, *, limit: int, after: int | None) -> QuerySet:
    """The first limit + 1 rows whose id is past `after`."""
    return (rows.filter(pk__gt=after) if after is not None else rows)[: limit + 1]


# --- deals ------------------------------------------------------------------------

DealQuery = query_model(
    "DealQuery", DealFilterForm, notes={"party": "A party's slug: deals it is a party to."}
)


def _deals(**filters) -> QuerySet[Deal]:
    return deal_queries.deals_for_list(**filters).select_related("supersedes", "answers")


@api.get(
    "/deals/",
    response={200: s.DealPage, **ERRORS},
    tags=["deals"],
    summary="Deals, with their parties and phases",
    url_name="deal-list",
)
def deal_list(request: HttpRequest, filters: Query[DealQuery]):
    """Filters as on /deals/. In id order."""
    refuse_unknown(request.GET, DealQuery)
    data = filter_form(DealFilterForm(request.GET)).cleaned_data
    deals = deals_with_facts(
        _deals(status=data.get("status"), party=data.get("party")),
        purpose=data.get("purpose"),
        stage=data.get("stage"),
        form=data.get("form"),
        mediated=data.get("mediated"),
        mechanism=data.get("mechanism"),
    )
    internal = _client(request).sees_drafts
    return _id_page(
        request, deals, filters, lambda d: serialize.deal_out(d, include_internal=internal)
    )


@api.get(
    "/deals/{slug}/",
    response={200: s.DealOut, **DETAIL_ERRORS},
    tags=["deals"],
    summary="A deal",
    url_name="deal-detail",
)
def deal_detail(request: HttpRequest, slug: str):
    refuse_unknown(request.GET, _NoQuery)
    deal = _deals().filter(slug=slug).first()
    if deal is None:
        raise Http404("No deal with this slug.")
    return serialize.deal_out(deal, include_internal=_client(request).sees_drafts)


# --- phases and clauses -------------------------------------------------------------

PhaseQuery = query_model("PhaseQuery", PhaseFilterForm)


@api.get(
    "/phases/",
    response={200: s.PhasePage, **ERRORS},
    tags=["deals"],
    summary="Phases of deals",
    url_name="phase-list",
)
def phase_list(request: HttpRequest, filters: Query[PhaseQuery]):
    """In id order."""
    refuse_unknown(request.GET, PhaseQuery)
    form = filter_form(PhaseFilterForm(request.GET))
    phases = deal_queries.phases_for_list(
        deal=form.cleaned_data.get("deal"), status=form.cleaned_data.get("status")
    )
    return _id_page(request, phases, filters, serialize.phase_out)


@api.get(
    "/phases/{pk}/",
    response={200: s.PhaseOut, **DETAIL_ERRORS},
    tags=["deals"],
    summary="A phase",
    url_name="phase-detail",
)
def phase_detail(request: HttpRequest, pk: int):
    refuse_unknown(request.GET, _NoQuery)
    phase = deal_queries.phases_for_list().filter(pk=pk).first()
    if phase is None:
        raise Http404("No phase with this id.")
    return serialize.phase_out(phase)


ClauseQuery = query_model("ClauseQuery", ClauseFilterForm)


@api.get(
    "/clauses/",
    response={200: s.ClausePage, **ERRORS},
    tags=["deals"],
    summary="Clauses (the terms of deals)",
    url_name="clause-list",
)
def clause_list(request: HttpRequest, filters: Query[ClauseQuery]):
    """In id order."""
    refuse_unknown(request.GET, ClauseQuery)
    form = filter_form(ClauseFilterForm(request.GET))
    data = form.cleaned_data
    clauses = deal_queries.clauses_listed(
        deal=data.get("deal"),
        phase=form.phase_obj,
        category=data.get("category"),
        party=data.get("party"),
        then=_with_verbatim,
    )
    return _id_page(request, clauses, filters, serialize.clause_out)


def _with_verbatim(clauses: QuerySet[Clause]) -> QuerySet[Clause]:
    return clauses.select_related("anchor__passage__revision_anchored").defer(
        "anchor__passage__revision_anchored__text", "anchor__passage__search_vector"
    )


@api.get(
    "/clauses/{pk}/",
    response={200: s.ClauseOut, **DETAIL_ERRORS},
    tags=["deals"],
    summary="A clause",
    url_name="clause-detail",
)
def clause_detail(request: HttpRequest, pk: int):
    refuse_unknown(request.GET, _NoQuery)
    clause = _with_verbatim(deal_queries.clauses_for_list()).filter(pk=pk).first()
    if clause is None:
        raise Http404("No clause with this id.")
    return serialize.clause_out(clause)


# --- parties ---------------------------------------------------------------------------

PartyQuery = query_model(
    "PartyQuery",
    PartyFilterForm,
    notes={"name": "Part of a name, short name, or a whole alias."},
)


@api.get(
    "/parties/",
    response={200: s.PartyPage, **ERRORS},
    tags=["parties"],
    summary="Parties",
    url_name="party-list",
)
def party_list(request: HttpRequest, filters: Query[PartyQuery]):
    """Filters as on /parties/. In id order."""
    refuse_unknown(request.GET, PartyQuery)
    data = filter_form(PartyFilterForm(request.GET)).cleaned_data
    parties = deal_queries.parties_for_list(kind=data.get("kind"), name=data.get("name"))
    return _id_page(request, parties.order_by("id"), filters, serialize.party_out)


@api.get(
    "/parties/{slug}/",
    response={200: s.PartyOut, **DETAIL_ERRORS},
    tags=["parties"],
    summary="A party",
    url_name="party-detail",
)
def party_detail(request: HttpRequest, slug: str):
    refuse_unknown(request.GET, _NoQuery)
    party = Party.objects.filter(slug=slug).first()
    if party is None:
        raise Http404("No party with this slug.")
    return serialize.party_out(party)


# --- claims ------------------------------------------------------------------------------

ClaimQuery = query_model(
    "ClaimQuery",
    ClaimFilterForm,
    notes={
        "q": "Words of the statement or attribution: quoted phrases, or, -word.",
        "deal": "A deal's slug, or its whole title when no other deal has it.",
        "phase": "A phase's order within the deal (needs deal).",
        "clause": "A clause's reference within the deal, e.g. 2.1 (needs deal).",
        "claimant": "A party's slug or name.",
        "subject": "A party's slug or name.",
    },
)


def claim_details(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """What a claim of the API carries: the list's details plus its evidence, each
    passage with its revisions (without their text) and its source (without its text)."""
    evidence = (
        Evidence.objects.select_related("passage__revision_made", "passage__revision_anchored")
        .defer(
            "passage__search_vector",
            "passage__revision_made__text",
            "passage__revision_anchored__text",
        )
        .prefetch_related(
            compiled_prefetch(
                "api.evidence.source",
                "passage__source",
                Source.objects.only("id", "kind", "title", "outlet", "url", "published_on"),
            )
        )
        .order_by("id")
    )
    return with_list_details(claims).prefetch_related(
        compiled_prefetch("api.evidence", "evidence", evidence)
    )


@api.get(
    "/claims/",
    response={200: s.ClaimPage, **ERRORS},
    tags=["claims"],
    summary="Claims, with their evidence",
    url_name="claim-list",
)
def claim_list(request: HttpRequest, filters: Query[ClaimQuery]):
    """Filters as on /claims/ (and /claims.csv). Newest first (by date made, then id),
    or oldest first with `sort=oldest`; undated claims count as the oldest."""
    refuse_unknown(request.GET, ClaimQuery)
    form = filter_form(ClaimFilterForm(request.GET), skip=("after", "before"))
    after = None
    if filters.cursor is not None:
        try:
            after = Cursor.parse(filters.cursor)
        except ValueError:
            raise BadParameters(
                {"cursor": ["Not a position of this list: pass a `next_cursor` it gave you."]}
            ) from None
    claim_filters = form.filters()
    client = _client(request)
    if filters.limit == DEFAULT_LIMIT:
        claims = listed_claims(user=client.user, filters=claim_filters, details=claim_details)
    else:  # compiled once for the default page alone: a limit of each size would be one more
        claims = claim_details(filtered_claims(user=client.user, filters=claim_filters))
    page = claim_page(
        claims,
        oldest_first=claim_filters.oldest_first,
        after=after,
        size=filters.limit,
    )
    cursor = str(page.next_cursor) if page.next_cursor else None
    internal = client.sees_drafts
    return _answer(
        request,
        {
            "items": [serialize.claim_out(c, include_internal=internal) for c in page.claims],
            "next_cursor": cursor,
            "next": _next_link(request, cursor),
        },
    )


@api.get(
    "/claims/{pk}/",
    response={200: s.ClaimOut, **DETAIL_ERRORS},
    tags=["claims"],
    summary="A claim, with its evidence",
    url_name="claim-detail",
)
def claim_detail(request: HttpRequest, pk: int):
    refuse_unknown(request.GET, _NoQuery)
    client = _client(request)
    claim = claim_details(claim_queries.visible_claims(user=client.user)).filter(pk=pk).first()
    if claim is None:
        raise Http404("No claim with this id (or it is a draft, which only readers see).")
    return serialize.claim_out(claim, include_internal=client.sees_drafts)


# --- assessments ---------------------------------------------------------------------------

AssessmentQuery = query_model("AssessmentQuery", AssessmentFilterForm)


@api.get(
    "/assessments/",
    response={200: s.AssessmentPage, **ERRORS},
    tags=["claims"],
    summary="The newsroom's assessments",
    url_name="assessment-list",
)
def assessment_list(request: HttpRequest, filters: Query[AssessmentQuery]):
    """In id order."""
    refuse_unknown(request.GET, AssessmentQuery)
    form = filter_form(AssessmentFilterForm(request.GET))
    data = form.cleaned_data
    assessments = claim_queries.assessments_for_list(
        user=_client(request).user,
        deal=data.get("deal"),
        clause=form.clause_obj,
        party=data.get("party"),
        level=data.get("level"),
    )
    return _id_page(request, assessments, filters, serialize.assessment_out)


@api.get(
    "/assessments/{pk}/",
    response={200: s.AssessmentOut, **DETAIL_ERRORS},
    tags=["claims"],
    summary="An assessment",
    url_name="assessment-detail",
)
def assessment_detail(request: HttpRequest, pk: int):
    refuse_unknown(request.GET, _NoQuery)
    user = _client(request).user
    assessment = claim_queries.assessments_for_list(user=user).filter(pk=pk).first()
    if assessment is None:
        raise Http404("No assessment with this id (or it is a draft, which only readers see).")
    return serialize.assessment_out(assessment)


# --- sources -----------------------------------------------------------------------------------

SourceQuery = query_model(
    "SourceQuery",
    SourceFilterForm,
    choices={"kind": SourceKind.values},
    notes={
        "q": "Words of the title, outlet, author or text.",
        "language": "A language code, e.g. en or ar.",
        "outlet": "An outlet's name, exactly.",
    },
)


@api.get(
    "/sources/",
    response={200: s.SourcePage, **ERRORS},
    tags=["sources"],
    summary="Sources (without their text)",
    url_name="source-list",
)
def source_list(request: HttpRequest, filters: Query[SourceQuery]):
    """Filters as on /sources/. In id order."""
    refuse_unknown(request.GET, SourceQuery)
    # The page offers the languages and outlets in use; here any value is taken (one
    # that no source has matches nothing), so the form is given the one asked for.
    form = SourceFilterForm(
        request.GET,
        languages=[filters.language] if filters.language else [],
        outlets=[filters.outlet] if filters.outlet else [],
    )
    data = filter_form(form).cleaned_data
    sources = claim_queries.sources_for_list(
        kind=data.get("kind"), language=data.get("language"), outlet=data.get("outlet"), q=data["q"]
    )
    return _id_page(request, sources.order_by("id"), filters, serialize.source_out)


@api.get(
    "/sources/{pk}/",
    response={200: s.SourceDetail, **DETAIL_ERRORS},
    tags=["sources"],
    summary="A source, with its text",
    url_name="source-detail",
)
def source_detail(request: HttpRequest, pk: int):
    refuse_unknown(request.GET, _NoQuery)
    source = Source.objects.defer("search_vector").filter(pk=pk).first()
    if source is None:
        raise Http404("No source with this id.")
    revision = source.revisions.current_value("number")
    original = SourceDocument.objects.filter(source=source).order_by("-id").first()
    return {
        **serialize.source_out(source),
        "revision": revision or 1,
        "text": source.text,
        "original": exports.original_json(original),
    }


# --- the schema ----------------------------------------------------------------------------------

_NoQuery = query_model("NoQuery", forms.Form, paging=False)
_document: dict | None = None


def openapi_document() -> dict:
    """The OpenAPI 3 document of this API (built once per process)."""
    global _document
    if _document is None:
        schema = api.get_openapi_schema(path_prefix=serialize.API_ROOT.rstrip("/"))
        # As a client reads it: plain JSON (status codes as strings).
        document = json.loads(json.dumps(schema))
        for methods in document.get("paths", {}).values():
            for operation in methods.values():
                # A token is optional: anonymous clients read published content in
                # public-read mode.
                operation["security"] = [*operation.get("security", []), {}]
        _document = document
    return _document
