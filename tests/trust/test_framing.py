"""Only the embeds may be framed, and only by the sites the setting names: every other
answer of the site says frame-ancestors 'none' and X-Frame-Options DENY (clickjacking)."""

from __future__ import annotations

from django.test import Client

from tests.desk.test_publishing import csp

from .urlwalk import all_routes

EMBED_NAMES = {"embed-matrix", "embed-rollups", "embed-timeline", "embed-clause-chart"}


def test_only_embeds_may_be_framed_by_other_sites(world, reader, settings):
    """Every GET address of the site: the embeds say frame-ancestors from the setting and
    send no X-Frame-Options; every other answer refuses to be framed by anyone."""
    settings.EMBED_ALLOWED_SITES = ["*"]
    reader_client = Client()
    reader_client.force_login(reader)
    framable, refused = [], []
    for route in all_routes():
        if route.access != "reader" or (route.methods and "GET" not in route.methods):
            continue
        response = reader_client.get(route.url(world))
        policy = csp(response)
        name = route.name.split(":")[-1]
        if name in EMBED_NAMES:
            assert response.status_code == 200, name
            assert policy["frame-ancestors"] == ["*"], name
            assert "X-Frame-Options" not in response, name
            assert policy["script-src"] == ["'none'"], name
            framable.append(name)
        else:
            assert policy["frame-ancestors"] == ["'none'"], name
            assert response["X-Frame-Options"] == "DENY", name
            refused.append(name)
    assert set(framable) == EMBED_NAMES
    assert {"deal-detail", "clause-detail", "oembed", "deal-timeline-svg"} <= set(refused)
    # Pages outside the walk too: the login page, an error page.
    for url in ("/accounts/login/", "/no-such-page/"):
        response = Client().get(url)
        assert csp(response)["frame-ancestors"] == ["'none'"], url
        assert response["X-Frame-Options"] == "DENY", url
