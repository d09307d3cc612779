"""Answer a clear 503 page when the database is unreachable or a query ran too long,
and a clear 409 when a write lost a race with another editor's.

A lost connection or a statement cut off by `statement_timeout` is a moment's
trouble, not a bug: the visitor gets a page saying so (with Retry-After), the
broken connection is dropped by Django at the end of the request, and the next
request opens a fresh one — no restart needed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape

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


WRITE_CONFLICT = (
    "Someone else was changing the same thing at that moment, so nothing you sent was saved. "
    "Reload to see it as it is now, then try again."
)


def write_conflict(exception: BaseException | None) -> bool:
    """Whether a failed write lost a race: a deadlock, a lock wait cut off, a serialization
    failure, or a row it pointed at deleted by the time it committed.

    The services lock in one order (dealtracker/concurrency.py) so these should
    not happen; if one does, the editor gets a 409 saying so, not a 500 or 503.
    """
    if not isinstance(exception, (OperationalError, IntegrityError)):
        return False
    try:
        from psycopg import errors
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    cause = exception.__cause__
    return isinstance(
        cause,
        (
            errors.DeadlockDetected,
            errors.LockNotAvailable,
            errors.SerializationFailure,
            errors.ForeignKeyViolation,
        ),
    )


def write_conflict_response(request) -> HttpResponse:
    if getattr(request, "htmx", False):
        # Said in the page's alert region, whatever the request's target was.
        response = HttpResponse(f"<p>{escape(WRITE_CONFLICT)}</p>", status=409)
        response["HX-Retarget"] = "#desk-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    html = loader.get_template("503.html").render(
        {"title": "Changed by someone else at the same moment", "message": WRITE_CONFLICT}
    )
    return HttpResponse(html, status=409)


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
        if request.method not in ("GET", "HEAD") and write_conflict(exception):
            logger.warning("write conflict on %s %s: %s", request.method, request.path, exception)
            return write_conflict_response(request)
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
        if suspicious and request.path.startswith("/api/"):
            from django.http import JsonResponse

            # The read API answers JSON, refusals included (dealtracker/api/gate.py).
            return JsonResponse(
                {
                    "error": "bad_parameter",
                    "message": "The request contained a NUL character; remove it.",
                    "parameters": {},
                },
                status=400,
            )
        if suspicious:
            from dealtracker.desk.views.site import bad_request

            return bad_request(request, message="The request contained a NUL character.")
        return self.get_response(request)


class FriendlyErrorPagesMiddleware:
    """Give the bodiless 400 and 405 answers (require_POST, require_GET, Django's own
    HttpResponseBadRequest()) the desk's error page, so a visitor reads what happened
    and what to do instead of a blank page. Answers with a body are left alone: the
    exports' plain-text 400s say what was wrong with the filters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in (400, 405)
            and not response.streaming
            and not response.content
            and request.method != "HEAD"
        ):
            from dealtracker.desk.views import site

            if response.status_code == 405:
                allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
                return site.method_not_allowed(request, allowed)
            return site.bad_request(request)
        return response


class PrivateWhenPersonalMiddleware:
    """`Cache-Control: private` (and `Vary: Cookie`) on every answer that depends on who asks.

    A logged-in reader's pages show drafts and internal notes, an editor's carry
    controls, and any page with a form carries the visitor's own CSRF token: a
    shared cache (a newsroom proxy, a CDN) must never hand one of those to someone
    else. An anonymous answer with no token in it (a feed, an export, the
    public JSON) stays cacheable. The page cache of desk/fragments.py is unaffected:
    it keeps bodies per visitor tier and renders the personal layout every time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Judged without the database (a health check during an outage must not touch
        # it): a session cookie means a logged-in visitor, or one who may be.
        personal = settings.SESSION_COOKIE_NAME in request.COOKIES or bool(
            request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        )
        if personal:
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response
