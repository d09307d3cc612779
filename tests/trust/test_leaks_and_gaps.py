"""Small leaks and gaps: counts shown to the public, caching of personal pages,
bidi control characters, the favicon, and the 400/405 pages."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from django.test import Client

from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.services import claim_create
from dealtracker.deals.models import Party
from dealtracker.sources.models import Passage
from dealtracker.sources.services import source_create
from dealtracker.text import single_line, strip_controls

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _passage_count(body: str) -> int:
    found = re.search(r'data-label="Passages"[^>]*>(\d+)<', body)
    assert found, "no passage count on the sources list"
    return int(found.group(1))


# --- counts shown to the public ------------------------------------------------------


def test_the_public_sources_list_counts_only_passages_the_public_can_see(
    world, reader_client, public_read
):
    # A second passage that only the draft claim rests on.
    text = world.source.text
    start = text.index("Officials disagreed.")
    hidden = Passage.objects.create(
        source=world.source,
        start=start,
        end=start + len("Officials disagreed."),
        quote="Officials disagreed.",
        revision_made=world.revision,
        revision_anchored=world.revision,
    )
    Evidence.objects.create(claim=world.draft_claim, passage=hidden)
    public = Client().get("/sources/").content.decode()
    assert _passage_count(public) == 1  # the one a published claim rests on
    assert _passage_count(reader_client.get("/sources/").content.decode()) == 2
    # The same number the source's own page shows the public.
    page = Client().get(f"/sources/{world.source.pk}/").content.decode()
    assert page.count('class="hl-link"') == 1


# --- Cache-Control: private ------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/claims/", "/search/?q=ceasefire", "/sources/", "/deals/gaza-ceasefire-2025/"]
)
def test_pages_for_a_logged_in_reader_are_private(world, reader_client, url):
    response = reader_client.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_exports_for_a_logged_in_reader_are_private_too(world, reader_client):
    # The deal JSON carries internal notes for readers.
    response = reader_client.get("/deals/gaza-ceasefire-2025.json")
    assert "private" in response["Cache-Control"]


def test_public_pages_carrying_a_csrf_token_are_private(world, public_read):
    response = Client().get("/claims/")
    assert 'X-CSRFToken": "' in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_an_anonymous_feed_stays_cacheable(world, public_read):
    response = Client().get("/feeds/claims.atom")
    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")


# --- bidi control characters --------------------------------------------------------------


def test_single_line_drops_overrides_and_isolates_and_marks_at_the_ends():
    assert single_line(f"\u200fHamas{OVERRIDES} says\n\tno\u200e") == "Hamas says no"
    # A mark inside the text can be needed (numbers in Arabic): it stays.
    assert single_line("حماس\u200f 2025") == "حماس\u200f 2025"
    assert single_line("a\x00b\x1b[31mc\x7f\x85d") == "ab[31mc d"


def test_strip_controls_keeps_lines_and_tabs_and_direction_characters():
    assert strip_controls("one\n\ttwo\r\n\x00\x07\u202e") == "one\n\ttwo\r\n\u202e"


def test_overrides_are_stripped_from_every_single_line_field_at_input(world, editor):
    party = Party.objects.create(
        name="Hamas\u202e gnirts",
        short_name="\u2067H\u2069",
        slug="rtl-party",
        aliases=["\u202bحماس\u202c"],
    )
    party.refresh_from_db()
    assert (party.name, party.short_name, party.aliases) == ("Hamas gnirts", "H", ["حماس"])
    claim = claim_create(
        data={
            "statement": "Israel\u202e refused\u202c phase two",
            "attribution": "an official\u2066 (unnamed)\u2069",
            "kind": Claim.Kind.OTHER,
            "deal": world.deal,
            "language": "en",
        },
        by=editor,
    )
    claim.refresh_from_db()
    assert claim.statement == "Israel refused phase two"
    assert claim.attribution == "an official (unnamed)"
    source = source_create(
        text="Report text.",
        title="Title\u202e reversed",
        outlet="Outlet\u202d",
        author="\u2068Author",
        by=editor,
    )
    source.refresh_from_db()
    assert (source.title, source.outlet, source.author) == ("Title reversed", "Outlet", "Author")
    world.deal.title = "Deal\u202e title"
    world.deal.save()
    world.deal.refresh_from_db()
    assert world.deal.title == "Deal title"


def test_names_are_isolated_on_the_page(world, reader_client):
    body = reader_client.get(f"/claims/{world.claim.pk}/").content.decode()
    assert f"><bdi>{world.party.name}</bdi></a>" in body
    listed = reader_client.get("/claims/").content.decode()
    assert f"<bdi>{world.claim.claimed_by}</bdi>" in listed
    assert '<h1 dir="auto">' in body


# --- favicon, 400 and 405 pages ---------------------------------------------------------------


def test_the_favicon_is_linked_and_served(db, client, public_read):
    page = client.get("/accounts/login/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg" type="image/svg\+xml">', page)
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = ElementTree.fromstring(response.content)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize(
    "method,url,words",
    [
        ("post", "/deals/", "can be read but not sent a form"),
        ("get", "/accounts/logout/", "takes only forms sent from the desk"),
    ],
)
def test_a_405_is_a_page_that_says_what_to_do(db, public_read, method, url, words):
    response = getattr(Client(), method)(url)
    assert response.status_code == 405
    body = response.content.decode()
    assert "<h1>Not possible here</h1>" in body and words in body
    assert response["Allow"]


def test_a_405_from_an_editing_endpoint_is_a_page(world, editor_client):
    response = editor_client.get(f"/claims/{world.claim.pk}/publish/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "takes only forms sent from the desk" in response.content.decode()


def test_a_400_is_a_page_that_says_what_to_do(db, public_read):
    response = Client().get("/search/", {"q": "a\x00b"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<h1>Bad request</h1>" in body and "NUL character" in body


def test_a_bodiless_400_gets_the_error_page(rf, db):
    from django.http import HttpResponseBadRequest

    from dealtracker.desk.middleware import FriendlyErrorPagesMiddleware

    request = rf.get("/anything/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = FriendlyErrorPagesMiddleware(lambda r: HttpResponseBadRequest())(request)
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    # A 400 that says something (the CSV's list of bad filters) is left as it is.
    kept = FriendlyErrorPagesMiddleware(lambda r: HttpResponseBadRequest("bad deal"))(request)
    assert kept.content == b"bad deal"
