"""/api/v1/: the endpoints of api/endpoints.py, each behind api/gate.py, the
OpenAPI schema and the documentation page."""

from __future__ import annotations

from django.urls import path

from .docs import api_docs, api_schema
from .endpoints import api
from .gate import api_endpoint

app_name = "api"


def _endpoints():
    patterns, _, _ = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":  # ninja's placeholder for its own docs: not served
            continue
        yield path(str(pattern.pattern), api_endpoint(pattern.callback), name=pattern.name)


urlpatterns = [
    path("schema/", api_endpoint(api_schema), name="schema"),
    path("docs/", api_docs, name="docs"),
    *_endpoints(),
]
