"""Public-read mode: an anonymous visitor sees no draft claim or assessment and no internal
note anywhere — pages, partials, search, exports, feeds (DESIGN.md, "Who uses it").

The read API (/api/v1/) is walked as the pages are.

The world plants a marker word in every draft and internal note; every reading URL
of the site is fetched anonymously (full page, HTMX partial, and searching for each
marker), also with the drafts' own ids in the URL, and no marker may appear.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client

from .urlwalk import all_routes
from .world import SEARCH_WORDS, SECRET_MARKERS


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _leaks(body: str) -> list[str]:
    return [name for name, marker in SECRET_MARKERS.items() if marker in body]


def _draft_world(world):
    """The same world, but URLs that name a claim, evidence or assessment name the drafts."""
    return dataclasses.replace(
        world,
        claim=world.draft_claim,
        evidence=world.draft_evidence,
        assessment=world.draft_assessment,
    )


@pytest.fixture
def anonymous(public_read):
    return Client(raise_request_exception=False)


def test_public_visitors_never_see_drafts_or_internal_notes(world, anonymous):
    leaks = []
    requests = 0
    # The pages and the read API alike.
    reading = [r for r in all_routes() if r.access in ("reader", "api")]
    assert reading, "no reading views to walk"
    for route in reading:
        url = route.url(world)
        variants = [({}, {}), ({}, {"HX-Request": "true"})]
        if "<" not in route.route:
            # Lists, search, exports and feeds: search for each planted record too.
            variants += [({"q": word}, {}) for word in SEARCH_WORDS.values()]
        for params, headers in variants:
            response = anonymous.get(url, params, headers=headers)
            requests += 1
            assert response.status_code < 500, (url, params, response.status_code)
            found = _leaks(_body(response))
            if found:
                leaks.append(f"{url} {params} {headers}: {found}")
    assert not leaks, f"{len(leaks)} of {requests} answers leak:\n" + "\n".join(leaks)


def test_public_visitors_get_nothing_at_the_addresses_of_drafts(world, anonymous):
    drafts = _draft_world(world)
    leaks = []
    for route in all_routes():
        if route.access not in ("reader", "api"):
            continue
        url = route.url(drafts)
        if url == route.url(world):
            continue  # the URL names no claim, evidence or assessment
        response = anonymous.get(url)
        found = _leaks(_body(response))
        if found or response.status_code == 200 and "/claims/" in route.route:
            leaks.append(f"{url}: {response.status_code} {found}")
    assert not leaks, "\n".join(leaks)


def test_readers_do_see_the_drafts_and_notes_the_public_must_not(world, reader_client):
    """The markers are real: logged-in readers get them (else the tests above prove nothing)."""
    seen = set()
    for route in all_routes():
        if route.access not in ("reader", "api"):
            continue
        for url in (route.url(world), route.url(_draft_world(world))):
            seen.update(_leaks(_body(reader_client.get(url))))
    for must in ("draft_claim", "passage_note"):
        assert must in seen, f"no page shows a reader the {must}"
