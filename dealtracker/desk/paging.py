"""Numbered pages for the desk's lists, with previous/next links that keep the filters.

The lists count their rows up to COUNT_CAP only: an exact count of a large archive
reads every matching row, so the first page of a list would cost more the more the
archive holds. Past the cap the list says "more than 2,000" and still pages on: a
page asks for one row more than it shows to know whether another follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from dealtracker.db.statements import compiled_count, compiled_page, compiled_slice

COUNT_CAP = 2_000


class CappedPage(Page):
    """A page that knows whether another follows even when the count was capped."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` + 1 rows (`capped` then says so).

    `counted`: the rows to count, when `object_list` carries per-row annotations
    that a count need not compute (default: object_list); in the same order as
    object_list, it also picks the page's rows."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, counted=None):
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap
        self.counted = object_list if counted is None else counted

    @cached_property
    def count(self) -> int:
        rows = self.counted
        if hasattr(rows, "order_by"):
            # COUNT(*) over a LIMIT: at most cap + 1 rows are read, their keys alone (a
            # sliced count would otherwise compute every per-row annotation).
            counted = compiled_count(rows, cap=self.cap)
            if counted is not None:
                return counted
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        # When capped this is the pages known so far; validate_number lets a visitor go on.
        return max(1, math.ceil(min(self.count, self.cap) / self.per_page))

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if number > self.num_pages and not (self.capped or number == 1):
            raise EmptyPage("That page contains no results")
        return number

    def page(self, number) -> CappedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        window = slice(bottom, bottom + self.per_page + 1)
        query = getattr(self.object_list, "query", None)
        if query is not None and (self.counted is not self.object_list or query.annotations):
            # The page's keys first, then the annotated rows for those keys alone: rows
            # skipped by OFFSET never compute the annotations.
            rows = list(compiled_page(cast(QuerySet, self.object_list), self.counted, window))
        else:
            rows = list(compiled_slice(self.object_list, window))
        if not rows and number > 1:
            # Past the end of a capped list: its last page (counted exactly, once).
            last = max(1, math.ceil(self.counted.count() / self.per_page))
            if last < number:
                return self.page(last)
            # Otherwise the rows went while this page was read: an empty page says so.
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


@dataclass
class Paging:
    """A page plus previous/next URLs keeping the other query parameters (pagination.html)."""

    page: Page
    param: str
    base: Any  # the request's QueryDict
    # Links to another page than the request's (path), scrolled to an element (anchor):
    # a region of a page paginated on its own, its links right from any address.
    path: str = ""
    anchor: str = ""

    def _url(self, number: int) -> str:
        params = self.base.copy()
        params[self.param] = number
        return f"{self.path}?{params.urlencode()}" + (f"#{self.anchor}" if self.anchor else "")

    @property
    def prev_url(self) -> str:
        return self._url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self._url(self.page.number + 1) if self.page.has_next() else ""

    @property
    def capped(self) -> bool:
        return getattr(self.page.paginator, "capped", False)

    @property
    def count(self) -> int:
        """The rows counted (at most the cap + 1)."""
        return self.page.paginator.count

    @property
    def count_text(self) -> str:
        """The count as the list states it: "37", or "more than 2,000" past the cap."""
        paginator = self.page.paginator
        if self.capped:
            return f"more than {cast(CappedPaginator, paginator).cap:,}"
        return f"{paginator.count:,}"

    @property
    def pages_text(self) -> str:
        """ "Page 3 of 7", or "Page 3" when the list was counted only up to its cap."""
        if self.capped:
            return f"Page {self.page.number:,}"
        return f"Page {self.page.number:,} of {self.page.paginator.num_pages:,}"

    @property
    def has_other_pages(self) -> bool:
        return self.page.has_previous() or self.page.has_next()


def paginate(
    request: HttpRequest,
    items,
    per_page: int,
    param: str = "page",
    params=None,
    *,
    counted=None,
    path: str = "",
    anchor: str = "",
) -> Paging:
    """A page of items; a bad or too-large page number gives the nearest page, never an error.

    `params`: the list's query (default: the request's), e.g. the address of a list an
    action was posted from, shown again after it. `counted`: the rows to count, when
    `items` carries per-row annotations a count need not compute. `path`, `anchor`: where
    the page links lead, when not to the request's own address."""
    params = request.GET if params is None else params
    paginator = CappedPaginator(items, per_page, counted=counted)
    return Paging(paginator.get_page(params.get(param)), param, params, path, anchor)
