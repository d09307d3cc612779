"""Numbered pages for the desk's lists, with previous/next links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


@dataclass
class Paging:
    """A page plus previous/next URLs keeping the other query parameters (pagination.html)."""

    page: Page
    param: str
    base: Any  # the request's QueryDict

    def _url(self, number: int) -> str:
        params = self.base.copy()
        params[self.param] = number
        return "?" + params.urlencode()

    @property
    def prev_url(self) -> str:
        return self._url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self._url(self.page.next_page_number()) if self.page.has_next() else ""


def paginate(
    request: HttpRequest, items, per_page: int, param: str = "page", params=None
) -> Paging:
    """A page of items; a bad or too-large page number gives the nearest page, never an error.

    `params`: the list's query (default: the request's), e.g. the address of a list an
    action was posted from, shown again after it."""
    params = request.GET if params is None else params
    return Paging(Paginator(items, per_page).get_page(params.get(param)), param, params)
