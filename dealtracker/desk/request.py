"""The request the desk's views receive, typed with what django-htmx's middleware adds."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """For type checkers only: HtmxMiddleware sets `request.htmx` on every request."""

    htmx: HtmxDetails
