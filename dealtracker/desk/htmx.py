"""The desk's HTMX request type and the one test of "render the partial alone"."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (typed as its example does)."""

    htmx: HtmxDetails


def is_partial(request: HttpRequest) -> bool:
    """Whether to render only the region HTMX swaps: an HTMX request that is neither
    boosted (a boosted link wants the whole page) nor a history restore (the browser
    rebuilds the page from nothing)."""
    # getattr: error pages can be rendered for a request the middleware never saw.
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)
