"""Cached page bodies (dealtracker/desk/fragments.py): exact after every committed
change, never shared between visitors who may see different things.

These tests commit (transaction=True): the content version moves only when a
transaction commits, as it does for every real request.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import zlib

import pytest
from django.apps import apps
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealtracker.accounts.services import user_create
from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Party
from dealtracker.desk.fragments import content_version, visitor_tier
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# A page served from the cache: the deal (or clause) row and the content version.
CACHED_PAGE_QUERIES = 3


def _queries(client: Client, url: str) -> int:
    """How many SQL queries serving url took."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _deal_url(world) -> str:
    return f"/deals/{world.deal.slug}/"


def test_every_table_of_deals_sources_and_claims_moves_the_version():
    tables = {
        model._meta.db_table
        for label in ("deals", "sources", "claims")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model.__name__.startswith("Historical")
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'dealtracker_content_changed'"
        )
        covered = {row[0] for row in cursor.fetchall()}
    missing = tables - covered
    assert not missing, f"no content-version trigger on {sorted(missing)}: add a desk migration"
    assert {"claims_claim", "deals_clause_obliged_parties", "sources_passage"} <= covered


def test_the_version_moves_when_a_change_commits_and_only_then():
    before = content_version()
    with transaction.atomic():
        Party.objects.create(name="Qatar", slug="qatar", kind=Party.Kind.STATE)
        Party.objects.filter(slug="qatar").update(short_name="QA")
        assert content_version() == before  # not before the commit
    committed = content_version()
    assert committed != before

    with pytest.raises(RuntimeError), transaction.atomic():
        Party.objects.filter(slug="qatar").update(name="State of Qatar")
        raise RuntimeError("rolled back")
    assert content_version() == committed

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_evidence")
    assert content_version() != committed


def test_reading_does_not_move_the_version(world):
    before = content_version()
    list(Claim.objects.all())
    Client().get("/")
    assert content_version() == before


def test_public_deal_page_comes_from_the_cache_until_something_changes(
    world, public_read, django_assert_max_num_queries
):
    client = Client()
    first = client.get(_deal_url(world))
    assert first.status_code == 200
    assert "Release of hostages" in first.text
    with django_assert_max_num_queries(CACHED_PAGE_QUERIES):
        again = client.get(_deal_url(world))
    assert "Release of hostages" in again.text

    Clause.objects.filter(pk=world.hostages.pk).update(title="Release of every hostage")
    changed = client.get(_deal_url(world))
    assert "Release of every hostage" in changed.text
    assert "Release of hostages<" not in changed.text


def test_a_cached_page_still_gets_its_own_csp_nonce(world, public_read):
    client = Client()
    nonces = []
    for _ in range(2):
        response = client.get(_deal_url(world))
        header = response.headers["Content-Security-Policy"]
        page_nonces = set(re.findall(r'nonce="([^"]+)"', response.text))
        assert page_nonces, "htmx is loaded with a nonce"
        assert all(f"'nonce-{n}'" in header for n in page_nonces)
        nonces.append(page_nonces)
    assert nonces[0] != nonces[1]


def test_new_published_claim_appears_on_home_deal_and_clause_pages(world, public_read):
    client = Client()
    clause_url = f"/deals/{world.deal.slug}/clauses/{world.hostages.reference}/"
    for url in ("/", _deal_url(world), clause_url):
        assert "Mediators confirm the fifth exchange" not in client.get(url).text
    world.draft.statement = "Mediators confirm the fifth exchange"
    world.draft.is_published = True
    world.draft.published_at = timezone.now()
    world.draft.save()
    for url in ("/", _deal_url(world), clause_url):
        assert "Mediators confirm the fifth exchange" in client.get(url).text, url


def test_public_visitors_never_get_what_a_reader_was_shown(world, public_read, reader_client):
    reader_page = reader_client.get(_deal_url(world)).text
    assert "SECRET editor note" in reader_page
    assert "DRAFT claim" in reader_client.get("/").text

    public = Client()
    assert "SECRET editor note" not in public.get(_deal_url(world)).text
    assert "DRAFT claim" not in public.get("/").text
    # And the other way round: the reader is not given the public body.
    assert "SECRET editor note" in reader_client.get(_deal_url(world)).text


def test_editors_pages_are_rendered_for_them_every_time(world, editor, editor_client):
    assert visitor_tier(editor) is None
    editor_client.get(_deal_url(world))
    # More queries than a cached page: the editor's body was rendered again.
    assert _queries(editor_client, _deal_url(world)) > CACHED_PAGE_QUERIES + 3


def test_a_new_day_renders_the_page_again(
    world, public_read, monkeypatch, django_assert_max_num_queries
):
    client = Client()
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2025, 3, 1))
    client.get(_deal_url(world))
    with django_assert_max_num_queries(CACHED_PAGE_QUERIES):
        client.get(_deal_url(world))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2025, 3, 2))
    assert _queries(client, _deal_url(world)) > CACHED_PAGE_QUERIES + 3


def test_each_address_has_its_own_body(world, public_read):
    client = Client()
    plain = client.get(_deal_url(world)).text
    as_of = client.get(_deal_url(world) + "?as_of=2025-01-01").text
    bad = client.get(_deal_url(world) + "?as_of=yesterday").text
    assert "was not understood" in bad
    assert "was not understood" not in plain
    assert "was not understood" not in as_of


def test_page_cache_can_be_switched_off(world, public_read, settings):
    settings.PAGE_CACHE = False
    client = Client()
    client.get(_deal_url(world))
    assert _queries(client, _deal_url(world)) > CACHED_PAGE_QUERIES + 3


def test_claims_list_full_page_and_htmx_partial_are_kept_apart(world, public_read):
    client = Client()
    full = client.get("/claims/?kind=compliance")
    partial = client.get("/claims/?kind=compliance", headers={"HX-Request": "true"})
    again = client.get("/claims/?kind=compliance")
    assert "<html" in full.text and "<html" in again.text
    assert "<html" not in partial.text
    assert 'id="claim-list"' in partial.text or "claim-list" in partial.text


def test_claims_list_shows_a_newly_published_claim(world, public_read):
    client = Client()
    assert "DRAFT claim" not in client.get("/claims/").text
    Claim.objects.filter(pk=world.draft.pk).update(is_published=True, published_at=timezone.now())
    assert "DRAFT claim" in client.get("/claims/").text


def test_search_finds_what_was_published_after_the_same_search(world, public_read):
    client = Client()
    assert "DRAFT claim" not in client.get("/search/", {"q": "delayed"}).text
    Claim.objects.filter(pk=world.draft.pk).update(is_published=True, published_at=timezone.now())
    assert "DRAFT claim" in client.get("/search/", {"q": "delayed"}).text


# --- one template per page: fragments, their keys and what they may hold ----------------------

PUBLIC_PAGES = ("/", "/claims/?kind=compliance", "/search/?q=delayed")


def _cached_pages(world) -> list[str]:
    clause_url = f"/deals/{world.deal.slug}/clauses/{world.hostages.reference}/"
    return [*PUBLIC_PAGES, _deal_url(world), clause_url]


def test_a_page_from_the_cache_runs_no_query_but_the_content_version(
    world, public_read, django_assert_num_queries
):
    client = Client()
    for url in _cached_pages(world):
        first = client.get(url)
        assert first.status_code == 200, url
        with django_assert_num_queries(1):  # the version: its key; the page's own reads: none
            again = client.get(url)
        assert (
            again.text.split("</main>")[0].split('<main id="main"')[1]
            == (first.text.split("</main>")[0].split('<main id="main"')[1])
        ), url


def test_the_claims_list_partial_is_rendered_from_the_page_template_and_kept(
    world, public_read, django_assert_num_queries
):
    client = Client()
    htmx = {"HX-Request": "true"}
    partial = client.get("/claims/?kind=compliance", headers=htmx)
    assert partial.text.lstrip().startswith('<section id="claim-list"')
    with django_assert_num_queries(1):
        again = client.get("/claims/?kind=compliance", headers=htmx)
    assert again.text == partial.text
    # The full page holds the same partial, rendered from the same template; the
    # deal's phase and clause controls come after it, out of band (kept too).
    section, oob, scope = partial.text.strip().partition('<div id="deal-scope"')
    assert oob and 'data-hx-swap-oob="outerHTML"' in scope
    assert section.strip() in client.get("/claims/?kind=compliance").text


def test_a_missing_deal_is_still_a_404_when_its_context_is_built_lazily(world, public_read):
    client = Client()
    assert client.get("/deals/no-such-deal/").status_code == 404
    assert client.get(f"/deals/{world.deal.slug}/clauses/Z-99/").status_code == 404


def cached_fragments() -> list[str]:
    """Every fragment the page cache holds, read from its backend as stored (and unzipped)."""
    from django.conf import settings
    from django.core.cache import caches

    cache = caches[settings.PAGE_CACHE_ALIAS]
    if isinstance(cache, LocMemCache):  # pickled values by key
        kept = [pickle.loads(v) for v in cache._cache.values()]  # noqa: S301 — our own cache
    else:
        assert isinstance(cache, RedisCache), type(cache)
        client = cache._cache.get_client()
        keys = list(client.scan_iter(match=f"{cache.key_prefix}*"))
        assert cache.key_prefix and keys
        kept = [cache._cache._serializer.loads(client.get(k)) for k in keys]
    return [zlib.decompress(v.data).decode() if hasattr(v, "data") else v for v in kept]


def _logged_in(username: str, role: str) -> Client:
    client = Client()
    user = user_create(username=username, password=PASSWORD, role=role, validate=False)
    client.force_login(user)
    return client


def test_no_cached_fragment_carries_a_csrf_token_a_nonce_or_a_user_name(world, public_read):
    reader_client = _logged_in("zelda-reads", "reader")
    editor_client = _logged_in("quentin-edits", "editor")
    secrets: set[str] = {"csrfmiddlewaretoken", "nonce", "zelda-reads", "quentin-edits"}
    for client in (reader_client, editor_client, Client()):
        for url in _cached_pages(world):
            page = client.get(url).text
            secrets |= set(re.findall(r'nonce="([^"]+)"', page))
            secrets |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
            secrets |= set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert 'class="who">quentin-edits<' in editor_client.get("/").text  # the layout has it

    fragments = cached_fragments()
    # Readers' and public pages: title, head and main content of each.
    assert len(fragments) >= 2 * len(_cached_pages(world))
    for fragment in fragments:
        for secret in secrets:
            assert secret not in fragment, f"a cached fragment holds {secret!r}"


# --- X-Page-Cache: what the page cache did for this answer --------------------------------------


def _said(response) -> str:
    assert response.status_code == 200
    return response.headers["X-Page-Cache"]


def _embed_pages(world) -> list[str]:
    deal = world.deal.slug
    return [f"/embed/deals/{deal}/matrix/", f"/embed/deals/{deal}/clauses/2.1/chart/"]


def test_every_cached_page_says_miss_then_hit_for_the_same_address(world, public_read):
    client = Client()
    for url in [*_cached_pages(world), *_embed_pages(world)]:
        assert _said(client.get(url)) == "miss", url
        assert _said(client.get(url)) == "hit", url
    # The HTMX partial of an address not asked for in full yet (the full page keeps it too).
    htmx = {"HX-Request": "true"}
    assert _said(client.get("/claims/?verification=unverified", headers=htmx)) == "miss"
    assert _said(client.get("/claims/?verification=unverified", headers=htmx)) == "hit"


def test_an_editor_a_cache_switched_off_and_an_opened_matrix_cell_say_off(
    world, public_read, editor_client, settings
):
    for _ in range(2):
        assert _said(editor_client.get(_deal_url(world))) == "off"
    cell = f"/deals/{world.deal.slug}/matrix/{world.hostages.reference}/israel/"
    assert _said(Client().get(cell)) == "off"
    settings.PAGE_CACHE = False
    for _ in range(2):
        assert _said(Client().get(_deal_url(world))) == "off"


def test_after_a_content_change_the_next_answer_is_a_miss(world, public_read):
    client = Client()
    client.get(_deal_url(world))
    assert _said(client.get(_deal_url(world))) == "hit"
    Clause.objects.filter(pk=world.hostages.pk).update(title="Release of every hostage")
    changed = client.get(_deal_url(world))
    assert _said(changed) == "miss"
    assert "Release of every hostage" in changed.text
    assert _said(client.get(_deal_url(world))) == "hit"


def test_the_header_leaves_http_caching_alone(world, public_read):
    """The header differs between a miss and a hit of the same body: nothing that lets a
    browser or proxy reuse an answer (ETag, Last-Modified, Vary) may depend on it."""
    client = Client()
    miss, hit = client.get(_deal_url(world)), client.get(_deal_url(world))
    assert (_said(miss), _said(hit)) == ("miss", "hit")
    for response in (miss, hit):
        assert "ETag" not in response.headers
        assert "Last-Modified" not in response.headers
        assert "x-page-cache" not in response.headers.get("Vary", "").lower()
    assert miss.headers.get("Vary") == hit.headers.get("Vary")
    assert miss.headers.get("Cache-Control") == hit.headers.get("Cache-Control")
    # A conditional request is still answered in full (the pages have no validator).
    again = client.get(_deal_url(world), headers={"If-None-Match": '"anything"'})
    assert again.status_code == 200 and _said(again) == "hit"
