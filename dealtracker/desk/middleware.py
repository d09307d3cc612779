"""Answer a clear 503 page when the database is unreachable, instead of a 500."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.template import loader
from django.http import HttpResponse

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", exception)
            html = loader.get_template("503.html").render()
            response = HttpResponse(html, status=503)
            response["Retry-After"] = "10"
            return response
        return None
