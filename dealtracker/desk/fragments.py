"""Rendered page bodies kept between requests, for the pages everyone reads.

The home, deal and clause pages count claims and assessments across a deal and
render a matrix and lists of clauses; the claims list and the search run the
same queries for everyone who asks for the same address. Until something
changes, that is the same work for every visitor. Their body (the page's main content, not the layout around
it, which carries the visitor's name, CSRF token and the CSP nonce) is cached
under the content version that PostgreSQL bumps on every committed change to a
deal, source or claim (desk migration 0001). The key also holds the visitor's
tier, the address with its query string, and today's date (timelines and
deadlines depend on it), so a cached body is exactly what rendering it again
would give.

Not cached:
- for editors and admins (their pages carry forms and controls of their own);
- while the connection is inside a transaction (its uncommitted writes are not
  in the version other visitors read).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dealtracker.accounts.roles import is_editor


def content_version() -> int:
    """The id of the last transaction that changed a deal, source or claim."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM dealtracker_content_version WHERE id = 1")
        return cursor.fetchone()[0]


def visitor_tier(user) -> str | None:
    """Visitors who see the same body share a tier; None: render for this visitor alone."""
    if not user.is_authenticated:
        return "public"
    if is_editor(user):  # their pages are rendered every time
        return None
    return "reader"  # drafts and internal notes, the same for every reader


def body_key(request: HttpRequest, name: str, tier: str, version: int) -> str:
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"body:{name}:{tier}:{version}:{timezone.localdate().isoformat()}:{address}"


def cached_body(request: HttpRequest, name: str, render: Callable[[], str]) -> SafeString:
    """The rendered body of page `name` for this request: from the cache, or rendered and kept."""
    tier = visitor_tier(request.user)
    if tier is None or not settings.PAGE_CACHE or connection.in_atomic_block:
        return mark_safe(render())  # noqa: S308 — render() is a template's output
    cache = caches[settings.PAGE_CACHE_ALIAS]
    key = body_key(request, name, tier, content_version())
    kept = cache.get(key)
    if kept is not None:
        return mark_safe(zlib.decompress(kept).decode())  # noqa: S308 — a template's output
    body = render()
    # Compressed: HTML shrinks several times, and a worker keeps up to PAGE_CACHE_ENTRIES bodies.
    cache.set(key, zlib.compress(body.encode(), 1), settings.PAGE_CACHE_SECONDS)
    return mark_safe(body)  # noqa: S308 — render() is a template's output
