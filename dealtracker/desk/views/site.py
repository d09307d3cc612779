"""Health check and error pages."""

from __future__ import annotations

import re
import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dealtracker.deals.queries import deal_renamed_from
from dealtracker.desk.middleware import database_trouble, database_trouble_response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


FAVICON = (settings.BASE_DIR / "static" / "favicon.svg").read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: the
    SVG icon of static/favicon.svg (every browser that asks takes SVG by its type)."""
    response = HttpResponse(FAVICON, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception=None, message: str = "") -> HttpResponse:
    return _error(
        request,
        400,
        "Bad request",
        message
        or "The request could not be understood. Check the address or the form and try again.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without (or with a stale) CSRF token: say how to recover."""
    return _error(
        request,
        403,
        "Form expired",
        "This form could not be accepted because its security token is missing or out of date. "
        "Reload the page and send it again.",
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(
        request,
        403,
        "Not allowed",
        "Your account does not have permission to do this. Ask an admin if you need it.",
    )


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    """405 as a page that says what to do (Django's own answer has an empty body)."""
    methods = set(allowed) - {"OPTIONS", "HEAD"}
    if methods <= {"POST"}:
        message = (
            "This address takes only forms sent from the desk's pages. Go back to the page "
            "and use its button."
        )
    elif "POST" not in methods:
        message = "This page can be read but not sent a form. Open it again from its link."
    else:
        message = "This address does not accept that kind of request."
    response = _error(request, 405, "Not possible here", message)
    response["Allow"] = ", ".join(allowed)
    return response


# A deal's pages, embeds and files: /deals/<slug>/..., /deals/<slug>.json, /embed/deals/<slug>/...
_DEAL_ADDRESS = re.compile(r"^/(?P<embed>embed/)?deals/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>[/.].*)?$")


def _renamed_deal_address(request: HttpRequest) -> str | None:
    """Where an address of a renamed deal's old slug is now, when the visitor may read it.

    Stories link deal pages and frame their embeds by slug; when an admin renames a
    deal, those addresses answer with a redirect to the new slug instead of a 404."""
    if request.method not in ("GET", "HEAD"):
        return None
    match = _DEAL_ADDRESS.match(request.path)
    if match is None:
        return None
    user = request.user
    if not (settings.PUBLIC_READ or (user.is_authenticated and user.has_perm("claims.view_claim"))):
        return None
    deal = deal_renamed_from(slug=match["slug"])
    if deal is None:
        return None
    path = f"/{match['embed'] or ''}deals/{deal.slug}{match['rest'] or ''}"
    try:
        resolve(path)
    except Resolver404:
        return None
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    moved = _renamed_deal_address(request)
    if moved is not None:
        # Temporary: the deal may be renamed again; /d/<id>/ is its permanent address.
        return redirect(moved)
    return _error(
        request,
        404,
        "Not found",
        "There is nothing at this address. It may have been moved or deleted.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500 page; a database outage met outside a view (sessions, auth) still gets the 503 page."""
    # Django calls this inside its `except` block, so the exception is at hand.
    kind = database_trouble(sys.exc_info()[1])
    if kind is not None:
        return database_trouble_response(kind)
    # No template context processors here: the database may be the problem.
    html = loader.get_template("500.html").render()
    return HttpResponse(html, status=500)
