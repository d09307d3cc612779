"""The one test of "render only the partial" (desk/htmx.py)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from dealtracker.desk.htmx import is_partial


def through_middleware(headers: dict[str, str]):
    request = RequestFactory().get("/deals/", headers=headers)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    return request


@pytest.mark.parametrize(
    ("headers", "partial"),
    [
        ({}, False),  # a plain page load
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),  # a boosted link wants the page
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_only_a_plain_htmx_request_gets_the_partial(headers, partial):
    assert is_partial(through_middleware(headers)) is partial


def test_a_request_the_middleware_never_saw_gets_the_whole_page():
    assert is_partial(RequestFactory().get("/")) is False
