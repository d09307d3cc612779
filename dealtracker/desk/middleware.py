"""Answer a clear 503 page when the database is unreachable or a query ran too long.

A lost connection or a statement cut off by `statement_timeout` is a moment's
trouble, not a bug: the visitor gets a page saying so (with Retry-After), the
broken connection is dropped by Django at the end of the request, and the next
request opens a fresh one — no restart needed.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

MESSAGES = {
    "unavailable": (
        "The desk is temporarily unavailable",
        "The database is not answering. Nothing you saved before is lost. "
        "Try again in a few seconds.",
    ),
    "timeout": (
        "That took too long",
        "The request was stopped because it ran longer than the desk allows. Nothing was "
        "changed. Try again, or narrow the search or filters.",
    ),
}


def database_trouble(exception: BaseException | None) -> str | None:
    """'timeout', 'unavailable' or None: what kind of database trouble an exception is."""
    if not isinstance(exception, (OperationalError, InterfaceError)):
        return None
    cause = exception.__cause__
    try:
        from psycopg import errors

        if isinstance(cause, (errors.QueryCanceled, errors.LockNotAvailable)):
            return "timeout"
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return "unavailable"


def database_trouble_response(kind: str) -> HttpResponse:
    # Rendered without a request: no context processor may touch the database.
    title, message = MESSAGES[kind]
    html = loader.get_template("503.html").render({"title": title, "message": message})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "10"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        kind = database_trouble(exception)
        if kind is None:
            return None
        logger.warning("database %s on %s %s: %s", kind, request.method, request.path, exception)
        return database_trouble_response(kind)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values)


class RejectNulMiddleware:
    """Refuse requests whose path, query or form data hold a NUL character (400).

    PostgreSQL cannot store NUL in text, and psycopg raises on it: one stray
    `%00` in a filter would otherwise be a 500 wherever a view uses a parameter
    without a Form. Django's form fields refuse NUL too; this covers the rest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        suspicious = "\x00" in request.path or _has_nul(request.GET.lists())
        if not suspicious and request.method == "POST":
            content_type = request.content_type or ""
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                suspicious = _has_nul(request.POST.lists())
        if suspicious:
            from dealtracker.desk.views.ops import bad_request

            return bad_request(request, message="The request contained a NUL character.")
        return self.get_response(request)
