"""Every reading page: opens for a reader, hides drafts and internal notes from public
visitors, sends anonymous visitors to log in when the site is not public, shows no
editing controls, and answers 404 for unknown addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse

# Every test here reads `world` as built: it is built once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world")


def page_urls(w) -> dict[str, str]:
    slug = w.deal.slug
    return {
        "home": reverse("desk:home"),
        "deal-list": reverse("desk:deal-list"),
        "deal": reverse("desk:deal-detail", args=[slug]),
        "cell": reverse("desk:deal-matrix-cell", args=[slug, "2.1", "israel"]),
        "cell-hostages": reverse("desk:deal-matrix-cell", args=[slug, "1.1", "hamas"]),
        "phase": reverse("desk:phase-detail", args=[slug, 1]),
        "clause": reverse("desk:clause-detail", args=[slug, "1.1"]),
        "clause-withdrawal": reverse("desk:clause-detail", args=[slug, "2.1"]),
        "claim": reverse("desk:claim-detail", args=[w.accused.pk]),
        "party": reverse("desk:party-detail", args=["hamas"]),
        "party-israel": reverse("desk:party-detail", args=["israel"]),
        "party-list": reverse("desk:party-list"),
        "compare": reverse("desk:deal-compare", args=[slug, slug]),
    }


@pytest.mark.django_db
def test_every_reading_page_opens_for_a_reader(world, reader_client):
    for name, url in page_urls(world).items():
        response = reader_client.get(url)
        assert response.status_code == 200, name
        assert b"<html" in response.content, name


@pytest.mark.django_db
def test_reader_sees_drafts_and_internal_notes(world, reader_client):
    body = reader_client.get(page_urls(world)["deal"]).content.decode()
    assert "SECRET editor note about the deal" in body
    body = reader_client.get(page_urls(world)["claim"]).content.decode()
    assert "SECRET passage note" in body
    assert "SECRET evidence note" in body
    body = reader_client.get(page_urls(world)["clause"]).content.decode()
    assert "DRAFT claim Hamas delayed a release" in body


@pytest.mark.django_db
def test_public_visitor_sees_no_draft_and_no_internal_note_anywhere(world, client, public_read):
    for name, url in page_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "SECRET" not in body, name
        assert "DRAFT" not in body, name


@pytest.mark.django_db
def test_public_visitor_gets_404_for_a_draft_claim(world, client, public_read):
    response = client.get(reverse("desk:claim-detail", args=[world.draft.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login_when_the_site_is_not_public(world, client, settings):
    settings.PUBLIC_READ = False
    for name, url in page_urls(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.django_db
def test_readers_and_public_visitors_see_no_editing_controls(
    world, reader_client, client, settings
):
    settings.PUBLIC_READ = True
    for who, http in (("reader", reader_client), ("public", client)):
        for name, url in page_urls(world).items():
            body = http.get(url).content.decode()
            # A reader's only POST form is the logout button; a visitor has none.
            assert body.count('method="post"') == (1 if who == "reader" else 0), (who, name)
            assert "hx-post" not in body and "hx-delete" not in body, (who, name)
            assert "/edit" not in body and "/admin/" not in body, (who, name)
            assert "Edit claim" not in body, (who, name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/deals/no-such-deal/",
        "/deals/test-deal/phases/9/",
        "/deals/no-such-deal/phases/1/",
        "/deals/test-deal/clauses/9.9/",
        "/deals/no-such-deal/clauses/1.1/",
        "/deals/test-deal/matrix/9.9/israel/",
        "/deals/test-deal/matrix/2.1/no-such-party/",
        "/deals/test-deal/compare/no-such-deal/",
        "/deals/no-such-deal/compare/test-deal/",
        "/claims/999999/",
        "/parties/no-such-party/",
    ],
)
def test_unknown_addresses_give_a_404_page(world, reader_client, url):
    response = reader_client.get(url)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "<main" in response.content.decode()


@pytest.mark.django_db
def test_reading_pages_refuse_post(world, reader_client):
    response = reader_client.post(page_urls(world)["deal"])
    assert response.status_code == 405


@pytest.mark.django_db
def test_every_page_has_one_h1_landmarks_and_headings_that_never_skip_a_level(world, reader_client):
    import re

    for name, url in page_urls(world).items():
        body = reader_client.get(url).content.decode()
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", body)]
        assert levels.count(1) == 1 and levels[0] == 1, name
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (name, levels)
        for landmark in ("<header", "<nav", "<main", "<footer", 'role="search"'):
            assert landmark in body, (name, landmark)
        assert '<label for="site-search-q"' in body, name


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["deal", "phase", "clause", "party-israel"])
def test_pages_over_time_take_as_of_and_say_when_it_is_not_a_date(world, reader_client, page):
    url = page_urls(world)[page]
    good = reader_client.get(url + "?as_of=2025-03-01")
    assert good.status_code == 200 and "not understood" not in good.content.decode()
    bad = reader_client.get(url + "?as_of=2025-13-45")
    assert bad.status_code == 200 and "not understood" in bad.content.decode()
