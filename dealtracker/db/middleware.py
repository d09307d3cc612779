"""Per request: read the reading pages from a replica, unless the visitor just wrote.

- A GET or HEAD of a reading page (READING_PAGES) reads from a replica. Who
  the visitor is (session, account) is read from the primary first, so a
  login or logout counts at once whatever a replica holds.
- Every successful POST, PUT, PATCH or DELETE sets a signed cookie that lasts
  REPLICA_READ_YOUR_WRITES_SECONDS; while it lasts, that browser reads
  everything from the primary, so an editor sees their change on the next
  page even when the replicas have not replayed it yet. A cookie, not the
  session: anonymous writers (a login) count too, and no query is needed to
  know.
- When the replica fails (it does not answer, or cancels a query that
  conflicts with the replay), the page is made again from the primary and the
  replica is left alone for a few seconds (dealtracker/db/routers.py). The
  visitor sees the page, not an error.

Without replicas (DATABASE_REPLICA_URLS unset) this middleware is not used.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import InterfaceError, OperationalError, connections

from . import routers

logger = logging.getLogger(__name__)

# The pages everyone reads and nobody writes through; each reads with the ORM only
# (no cursor of the primary's connection, no transaction). Search stays on the
# primary: it sets planner settings for its transaction on the primary's connection.
READING_PAGES = frozenset(
    {
        "desk:home",
        "desk:deal-list",
        "desk:deal-detail",
        "desk:deal-matrix-cell",
        "desk:phase-detail",
        "desk:clause-detail",
        "desk:deal-compare",
        "desk:claim-detail",
        "desk:party-list",
        "desk:party-detail",
        "desk:claim-list",
        "desk:deal-feed",
        "desk:claims-feed",
        "desk:embed-matrix",
        "desk:embed-rollups",
        "desk:embed-timeline",
        "desk:embed-clause-chart",
    }
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
WROTE_COOKIE = "dealtracker_wrote"
_WROTE_SALT = "dealtracker.db.middleware.wrote"


def wrote_recently(request) -> bool:
    """Whether this browser changed something in the last REPLICA_READ_YOUR_WRITES_SECONDS."""
    return (
        request.get_signed_cookie(
            WROTE_COOKIE,
            default=None,
            salt=_WROTE_SALT,
            max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
        )
        is not None
    )


def mark_wrote(response) -> None:
    response.set_signed_cookie(
        WROTE_COOKIE,
        "1",
        salt=_WROTE_SALT,
        max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _replica_failed(alias: str, exception: BaseException) -> bool:
    """Whether exception is the replica's trouble (not the primary's, not a statement
    cut off by statement_timeout, which the primary would cut off too)."""
    if not isinstance(exception, (OperationalError, InterfaceError)):
        return False
    if not connections[alias].errors_occurred:
        return False
    from psycopg import errors

    return not isinstance(exception.__cause__, errors.QueryCanceled)


class ReplicaRoutingMiddleware:
    def __init__(self, get_response):
        if not routers.replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        token = routers.read_from(None)
        try:
            response = self.get_response(request)
        finally:
            routers.reset_reading(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            mark_wrote(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method not in ("GET", "HEAD")
            or match is None
            or match.view_name not in READING_PAGES
            or wrote_recently(request)
        ):
            return None
        alias = routers.choose_replica()
        if alias is None:
            return None
        # Session and account from the primary: a fresh login or logout counts at once.
        request.user.is_authenticated  # noqa: B018 — evaluates the lazy user
        routers.read_from(alias)
        return None

    def process_exception(self, request, exception):
        alias = routers.reading_alias()
        if alias not in routers.replica_aliases() or not _replica_failed(alias, exception):
            return None
        replica = connections[alias]
        if replica.connection is None or not replica.is_usable():
            routers.mark_down(alias)
        logger.warning(
            "replica %s failed on %s %s, answered from the primary: %s",
            alias,
            request.method,
            request.path,
            exception,
        )
        routers.read_from(None)
        match = request.resolver_match
        try:
            return match.func(request, *match.args, **match.kwargs)
        except (OperationalError, InterfaceError):
            # The primary fails too: the next middleware answers the replica's failure
            # (a 503 that says the database is not answering).
            return None
