"""The page cache in Redis (REDIS_URL): one copy for every server, exact after every change.

These tests use the machine's Redis on 127.0.0.1:6379, under a key prefix of their own
(so parallel runs never meet), and delete their keys afterwards. Without Redis they
are skipped on a workstation, and fail when CI=true (tests/redis_server.py).
"""

from __future__ import annotations

import os
import re

import httpx
import pytest
import redis
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test import Client
from django.utils.safestring import mark_safe

from dealtracker.deals.models import Clause
from dealtracker.desk.fragments import PageFragments
from tests.desk.test_page_cache import _logged_in, cached_fragments
from tests.redis_server import own_key_prefix, require_redis
from tests.trust.server import Gunicorn, database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server() -> str:
    return require_redis()


@pytest.fixture
def key_prefix(redis_server):
    with own_key_prefix(redis_server) as prefix:
        yield prefix


@pytest.fixture
def shared_cache(settings, redis_server, key_prefix):
    """This process's page cache in Redis, configured as settings.py does for REDIS_URL."""
    settings.REDIS_URL = redis_server
    settings.CACHES = {
        **settings.CACHES,
        settings.PAGE_CACHE_ALIAS: {
            "BACKEND": "dealtracker.desk.fragments.PageRedisCache",
            "LOCATION": redis_server,
            "KEY_PREFIX": f"{key_prefix}:pages",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    return caches[settings.PAGE_CACHE_ALIAS]


def _fragment_key(path: str, name: str) -> str:
    """The key `{% cache %}` keeps fragment `name` of a public visitor's page at `path` under."""
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return make_template_fragment_key(name, [PageFragments(request, dict).key])


def test_settings_put_the_page_cache_and_the_rate_limits_in_redis_when_redis_url_is_set(
    redis_server, key_prefix
):
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.CACHES['pages']['BACKEND'], s.CACHES['pages']['KEY_PREFIX'],"
        " s.CACHES['ratelimit']['BACKEND'], s.CACHES['ratelimit']['KEY_PREFIX'])"
    )
    env = {**os.environ, "REDIS_URL": redis_server, "REDIS_KEY_PREFIX": key_prefix}
    env["DJANGO_SETTINGS_MODULE"] = "dealtracker.settings"
    out = subprocess.run(  # noqa: S603 — our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "dealtracker.desk.fragments.PageRedisCache",
        f"{key_prefix}:pages",
        "django.core.cache.backends.redis.RedisCache",
        f"{key_prefix}:ratelimit",
    ]
    env.pop("REDIS_URL")
    out = subprocess.run(  # noqa: S603 — our own interpreter
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.CACHES['pages']['BACKEND'], 'ratelimit' in settings.CACHES)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["dealtracker.desk.fragments.PageMemoryCache", "False"]


def test_pages_are_kept_in_redis_and_served_from_it_with_one_query(
    world, public_read, shared_cache, key_prefix, redis_server, django_assert_num_queries
):
    client = Client()
    path = f"/deals/{world.deal.slug}/"
    first = client.get(path)
    assert "Release of hostages" in first.text
    keys = list(redis.Redis.from_url(redis_server).scan_iter(match=f"{key_prefix}:pages*"))
    assert len(keys) == 3  # the deal page's title, head and content
    assert shared_cache.get(_fragment_key(path, "deal")) is not None
    with django_assert_num_queries(1):
        assert client.get(path).text.count("Release of hostages") == first.text.count(
            "Release of hostages"
        )


def test_no_fragment_kept_in_redis_carries_a_csrf_token_a_nonce_or_a_user_name(
    world, public_read, shared_cache
):
    secrets = {"csrfmiddlewaretoken", "nonce", "X-CSRFToken", "zelda-reads", "quentin-edits"}
    clients = (_logged_in("zelda-reads", "reader"), _logged_in("quentin-edits", "editor"), Client())
    for client in clients:
        for path in ("/", f"/deals/{world.deal.slug}/", "/claims/"):
            page = client.get(path)
            assert page.status_code == 200
            secrets |= set(re.findall(r'nonce="([^"]+)"', page.text))
            secrets |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page.text))
    fragments = cached_fragments()
    assert len(fragments) >= 6  # public and reader pages; editors' are never kept
    for fragment in fragments:
        for secret in secrets:
            assert secret not in fragment, f"a fragment kept in Redis holds {secret!r}"


def test_a_redis_that_does_not_answer_is_a_miss_not_an_error_page(world, public_read, settings):
    settings.CACHES = {
        **settings.CACHES,
        settings.PAGE_CACHE_ALIAS: {
            "BACKEND": "dealtracker.desk.fragments.PageRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    page = Client().get(f"/deals/{world.deal.slug}/")
    assert page.status_code == 200
    assert "Release of hostages" in page.text


def test_two_servers_share_the_page_cache_and_both_see_a_change_at_once(
    world, shared_cache, redis_server, key_prefix
):
    env = {
        "REDIS_URL": redis_server,
        "REDIS_KEY_PREFIX": key_prefix,
        "PUBLIC_READ": "true",
        "SECRET_KEY": "test-secret-key-not-for-production-use-0123456789abcdef",
    }
    url = database_url(connection.settings_dict)  # the test database, committed rows
    one = Gunicorn(database_url=url, env=env)
    two = Gunicorn(database_url=url, env=env)
    try:
        one.wait_ready(timeout=60)
        two.wait_ready(timeout=60)
        path = f"/deals/{world.deal.slug}/"
        assert "Release of hostages" in httpx.get(one.url + path, timeout=30).text

        # Server one kept the page in Redis. Mark the kept copy: only a server that
        # reads the shared cache, and does not render the page itself, shows the mark.
        key = _fragment_key(path, "deal")
        kept = shared_cache.get(key)
        assert kept is not None, "server one did not keep the page in Redis"
        shared_cache.set(
            key, mark_safe(kept.replace("Release of hostages", "Release of hostages [kept]"))
        )
        from_two = httpx.get(two.url + path, timeout=30).text
        assert "Release of hostages [kept]" in from_two, "server two rendered the page itself"
        # And says so: the page server one rendered is a hit on server two.
        assert httpx.get(two.url + path, timeout=30).headers["X-Page-Cache"] == "hit"

        # A committed change moves the content version: both servers render it at once.
        Clause.objects.filter(pk=world.hostages.pk).update(title="Release of every hostage")
        for server in (two, one):
            page = httpx.get(server.url + path, timeout=30).text
            assert "Release of every hostage" in page, server.url
            assert "[kept]" not in page, server.url
        # And the new page is kept once, for both: server two reads what server one kept.
        new_key = _fragment_key(path, "deal")
        assert new_key != key
        shared_cache.set(
            new_key, mark_safe(shared_cache.get(new_key).replace("every", "every [kept]"))
        )
        assert "Release of every [kept] hostage" in httpx.get(one.url + path, timeout=30).text
        assert httpx.get(two.url + path, timeout=30).headers["X-Page-Cache"] == "hit"
    finally:
        one.stop()
        two.stop()


def test_without_redis_these_tests_fail_under_ci_and_are_skipped_elsewhere(monkeypatch):
    monkeypatch.setattr("tests.redis_server.REDIS_SERVER", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run"):
        require_redis()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_redis()
