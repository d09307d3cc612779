"""Page fragments kept between requests, for the pages everyone reads.

The home, deal and clause pages count claims and assessments across a deal and
render a matrix and lists of clauses; the claims list and the search run the
same queries for everyone who asks for the same address. Until something
changes, that is the same work for every visitor. So each of these pages is one
template whose main content (not the layout around it, which carries the
visitor's name, CSRF token and the CSP nonce) sits in Django's `{% cache %}`
fragment tag:

    {% cache page_cache.seconds deal page_cache.key using=page_cache.alias %}
      {% with_context page_cache.context %} ...the page... {% endwith_context %}
    {% endcache %}

`page_cache` is a `PageFragments`. Its key holds the content version that PostgreSQL
bumps on every committed change to a deal, source or claim (desk migration
0001), the visitor's tier, today's date (timelines and deadlines depend on it)
and the address with its query string, so a kept fragment is exactly what
rendering it again would give. Its context is built (the queries run) only when
a fragment is rendered: a page served from the cache costs one query, the
version. (The deal and clause pages keep their title and head as fragments too,
so that even the deal's row is not read; a context that raises Http404 still
answers 404, the exception leaving the rendering.) The fragments live in the cache `settings.PAGE_CACHE_ALIAS` of CACHES:
each process's memory by default, Redis shared by every server when REDIS_URL
is set.

Not cached (`page_cache.alias` names a cache that keeps nothing):
- for editors and admins (their pages carry forms and controls of their own);
- while the connection is inside a transaction (its uncommitted writes are not
  in the version other visitors read);
- when PAGE_CACHE is off.

Every page rendered through `render_page` says what the cache did in the
`X-Page-Cache` header: `hit` (the context was not built: every fragment came
from the cache), `miss` (it was built during this rendering), `off` (nothing is
kept for this visitor or address). It is for benchmarks and operators; no ETag
or Vary depends on it (the pages have no ETag, and the header does not change
the body).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dealtracker.accounts.roles import is_editor
from dealtracker.db.routers import reading_alias

logger = logging.getLogger(__name__)

# The cache alias of CACHES that keeps nothing (DummyCache): `{% cache %}` renders every time.
UNCACHED_ALIAS = "uncached"

# The response header that says whether the page came from the cache: hit, miss or off.
PAGE_CACHE_HEADER = "X-Page-Cache"


def content_version() -> int:
    """The id of the last transaction that changed a deal, source or claim.

    Read where the page reads (a replica, for a reading page): a body rendered from a
    replica that has not replayed the last change is kept under the version it shows."""
    with connections[reading_alias()].cursor() as cursor:
        cursor.execute("SELECT version FROM dealtracker_content_version WHERE id = 1")
        return cursor.fetchone()[0]


def visitor_tier(user) -> str | None:
    """Visitors who see the same page share a tier; None: render for this visitor alone."""
    if not user.is_authenticated:
        return "public"
    if is_editor(user):  # their pages are rendered every time
        return None
    return "reader"  # drafts and internal notes, the same for every reader


class PageFragments:
    """What a page's `{% cache %}` tags ask for, each worked out when the template asks.

    `build` makes the page's context (it runs the queries); it is called at most
    once, by `context`, which a template reads inside its cached fragments only.
    """

    def __init__(
        self, request: HttpRequest, build: Callable[[], Mapping[str, Any]], *, keep: bool = True
    ) -> None:
        self.request = request
        self.build = build
        self.keep = keep  # False: a page for this request alone (a matrix cell opened)

    @cached_property
    def alias(self) -> str:
        """The alias of CACHES the fragments are kept in, or one that keeps nothing."""
        if (
            not self.keep
            or not settings.PAGE_CACHE
            or connection.in_atomic_block
            or visitor_tier(self.request.user) is None
        ):
            return UNCACHED_ALIAS
        return settings.PAGE_CACHE_ALIAS

    @property
    def seconds(self) -> int:
        return settings.PAGE_CACHE_SECONDS

    @cached_property
    def key(self) -> str:
        """Tier, content version, day and address: `{% cache %}` hashes it into the cache key."""
        if self.alias == UNCACHED_ALIAS:
            return ""  # nothing is kept: spare the version's query
        tier = visitor_tier(self.request.user)
        day = timezone.localdate().isoformat()
        return f"{tier}:{content_version()}:{day}:{self.request.get_full_path()}"

    @cached_property
    def context(self) -> Mapping[str, Any]:
        return self.build()

    @property
    def outcome(self) -> str:
        """After rendering: `hit`, `miss` or `off` (see the module's docstring)."""
        # A template that asked for no key used no `{% cache %}` (nothing was kept).
        if "key" not in self.__dict__ or self.alias == UNCACHED_ALIAS:
            return "off"
        return "miss" if "context" in self.__dict__ else "hit"


def render_page(
    request: HttpRequest,
    template_name: str,
    page_cache: PageFragments,
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """`render` for a page kept with `{% cache %}`, its answer saying what the cache did."""
    response = render(request, template_name, {**(context or {}), "page_cache": page_cache})
    response[PAGE_CACHE_HEADER] = page_cache.outcome
    return response


class _Compressed:
    """A fragment as kept: HTML shrinks several times, and a worker keeps up to
    PAGE_CACHE_MB of them (Redis: as many as its memory holds)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class CompressingCache:
    """Keeps the fragments `{% cache %}` hands over (safe strings) compressed."""

    def get(self, key, default=None, version=None):
        value = super().get(key, default, version)  # type: ignore[misc]
        if isinstance(value, _Compressed):
            return mark_safe(zlib.decompress(value.data).decode())  # noqa: S308 — a template's output
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if isinstance(value, SafeString):
            value = _Compressed(zlib.compress(value.encode(), 1))
        super().set(key, value, timeout, version)  # type: ignore[misc]


# Bytes kept per LocMemCache name (every thread's instance of one alias shares its store).
_kept_sizes: dict[str, dict[str, int]] = {}
_kept_total: dict[str, int] = {}


class PageMemoryCache(CompressingCache, LocMemCache):
    """The page cache in this process's memory (without REDIS_URL), bounded in bytes.

    OPTIONS["MAX_BYTES"] (settings: PAGE_CACHE_MB) bounds what the kept fragments weigh,
    as stored (compressed, pickled): the least recently read leave first to make room,
    and a fragment larger than the whole budget is not kept. A bound in entries alone
    (MAX_ENTRIES, LocMemCache's) means nothing in memory: the same 500 entries are 1 MB of
    claims lists or 25 MB of the largest deal's page, and every edit bumps the content
    version, so each page read afterwards is kept again under a new key while the old
    copies wait to be evicted.
    """

    def __init__(self, name, params):
        super().__init__(name, params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 8 * 2**20))
        self._sizes = _kept_sizes.setdefault(name, {})
        self._name = name
        _kept_total.setdefault(name, 0)

    @property
    def kept_bytes(self) -> int:
        """What the kept fragments weigh now, in bytes (as stored)."""
        return _kept_total[self._name]

    # LocMemCache calls these with its lock held.
    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        self._delete(key)  # a new copy replaces the old one and its bytes
        size = len(value)
        if size > self.max_bytes:
            return
        while self._cache and _kept_total[self._name] + size > self.max_bytes:
            self._delete(next(reversed(self._cache)))  # the least recently read
        super()._set(key, value, timeout)
        self._sizes[key] = size
        _kept_total[self._name] += size

    def _delete(self, key):
        _kept_total[self._name] -= self._sizes.pop(key, 0)
        return super()._delete(key)

    def _cull(self):
        if self._cull_frequency == 0:
            self._sizes.clear()
            _kept_total[self._name] = 0
            super()._cull()
            return
        for _ in range(len(self._cache) // self._cull_frequency):
            self._delete(next(reversed(self._cache)))

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            _kept_total[self._name] = 0


class PageRedisCache(CompressingCache, RedisCache):
    """The page cache in Redis, shared by every server; a Redis that does not answer is
    a miss (the page is rendered, not kept), not an error page, as for the rate limits."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("page cache: Redis did not answer (%s); rendering the page", exc)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("page cache: Redis did not answer (%s); not keeping the page", exc)
