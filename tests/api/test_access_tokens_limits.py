"""Who may read the API: tokens (hashed, revocable, made in the admin), the desk
session, anonymous clients only in public-read mode; rate limits with clear 429s;
conditional GETs."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import connection
from django.test import Client

from dealtracker.accounts.models import ApiToken
from dealtracker.accounts.tokens import api_token_create, api_token_revoke
from dealtracker.api.ratelimit import rate_limit_hit
from dealtracker.claims.models import Claim
from tests.redis_server import require_redis

from .conftest import LONG_WINDOW, bearer

pytestmark = pytest.mark.django_db


def test_tokens_are_stored_hashed_never_in_clear(reader_token):
    row = ApiToken.objects.get(pk=reader_token.pk)
    assert row.digest == hashlib.sha256(reader_token.raw.encode()).hexdigest()
    assert reader_token.raw not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert not any(reader_token.raw in str(v) for row in cursor.fetchall() for v in row)
    assert row.prefix == reader_token.raw[:12]


def test_a_token_reads_as_its_reader(demo, token_client, reader_token):
    response = token_client.get("/api/v1/claims/")
    assert response.status_code == 200
    assert any(not c["published"] for c in response.json()["items"])
    assert "private" in response["Cache-Control"]
    reader_token.refresh_from_db()
    assert reader_token.last_used_at is not None


def test_a_revoked_token_is_refused_with_401(demo, reader_token, admin_user):
    api_token_revoke(token=reader_token, by=admin_user)
    response = Client(headers=bearer(reader_token.raw)).get("/api/v1/claims/")
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "token_revoked" and "revoked on" in body["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer dtk_not-a-token", "Bearer ", "Basic cmVhZGVyOnB3", "Token abc"],
)
def test_an_unknown_or_malformed_token_is_refused_with_401(demo, public_read, header):
    """Even in public-read mode: a client that sent a token wants its reader's view."""
    response = Client(headers={"Authorization": header}).get("/api/v1/deals/")
    assert response.status_code == 401
    assert response.json()["error"] == "token_invalid"


def test_a_token_of_a_disabled_account_or_without_a_role_is_refused(demo, reader_token, db):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", password="x-long-password-1")
    _, raw = api_token_create(user=nobody, name="no role", by=None)
    assert Client(headers=bearer(raw)).get("/api/v1/deals/").status_code == 403
    reader_token.user.is_active = False
    reader_token.user.save()
    assert Client(headers=bearer(reader_token.raw)).get("/api/v1/deals/").status_code == 401


def test_anonymous_clients_need_public_read_mode(demo, settings):
    settings.PUBLIC_READ = False
    response = Client().get("/api/v1/deals/")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"
    assert "Bearer" in response.json()["message"]
    settings.PUBLIC_READ = True
    assert Client().get("/api/v1/deals/").status_code == 200


def test_the_desk_session_reads_the_api_too(demo, reader_client):
    response = reader_client.get("/api/v1/claims/")
    assert response.status_code == 200
    assert any(not c["published"] for c in response.json()["items"])


def test_admins_create_a_token_in_the_admin_and_see_it_once(admin_client, reader):
    response = admin_client.post(
        "/admin/accounts/apitoken/add/", {"user": reader.pk, "name": "data desk notebook"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="data desk notebook")
    page = response.content.decode()
    raw = page.split('id="api-token" type="text" readonly size="60" value="')[1].split('"')[0]
    assert raw.startswith(token.prefix)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert "no-store" in response["Cache-Control"]
    # Never again: the token's own page shows the prefix only.
    change = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert raw not in change and token.prefix in change
    # Revoked from the list with the action; the token stops working.
    admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.is_revoked
    assert Client(headers=bearer(raw)).get("/api/v1/deals/").status_code == 401


def test_editors_and_readers_cannot_manage_tokens(editor_client, reader_client):
    for client in (editor_client, reader_client):
        response = client.get("/admin/accounts/apitoken/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- rate limits ----------------------------------------------------------------------


def test_over_the_limit_a_client_gets_429_with_retry_after(demo, anonymous, settings):
    settings.API_RATE_LIMIT_ANONYMOUS = 3
    answers = [anonymous.get("/api/v1/parties/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3"
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= settings.API_RATE_LIMIT_WINDOW
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert f"3 per {LONG_WINDOW} s" in body["message"] and "Try again in" in body["message"]


def test_limits_are_per_token_and_per_address(demo, public_read, settings, reader_token):
    settings.API_RATE_LIMIT_ANONYMOUS = 2
    settings.API_RATE_LIMIT_TOKEN = 5
    here = Client(REMOTE_ADDR="10.0.0.1")
    there = Client(REMOTE_ADDR="10.0.0.2")
    with_token = Client(REMOTE_ADDR="10.0.0.1", headers=bearer(reader_token.raw))
    assert [here.get("/api/v1/deals/").status_code for _ in range(3)] == [200, 200, 429]
    assert there.get("/api/v1/deals/").status_code == 200
    assert [with_token.get("/api/v1/deals/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_behind_a_trusted_proxy_anonymous_limits_are_per_client(demo, public_read, settings):
    settings.API_RATE_LIMIT_ANONYMOUS = 2
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    here = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.9")
    forging = Client(**proxy, HTTP_X_FORWARDED_FOR="192.0.2.7, 198.51.100.9")
    there = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert [here.get("/api/v1/deals/").status_code for _ in range(2)] == [200, 200]
    assert forging.get("/api/v1/deals/").status_code == 429
    assert there.get("/api/v1/deals/").status_code == 200


def test_a_bad_token_counts_against_the_address(demo, public_read, settings):
    settings.API_RATE_LIMIT_ANONYMOUS = 2
    guesser = Client(REMOTE_ADDR="10.0.0.9", headers=bearer("dtk_guess"))
    assert [guesser.get("/api/v1/deals/").status_code for _ in range(3)] == [401, 401, 429]


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_across_connections_at_once(settings):
    """Processes share the count: it lives in PostgreSQL (one atomic upsert), so
    parallel requests from separate connections never let more through than the limit."""
    from django.db import connections

    results: list[bool] = []
    lock = threading.Lock()

    def hammer():
        try:
            for _ in range(15):
                verdict = rate_limit_hit("a:198.51.100.7", limit=20, window=LONG_WINDOW)
                with lock:
                    results.append(verdict.allowed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 60
    assert results.count(True) == 20


def test_with_redis_the_limit_is_counted_there(settings, db):
    import uuid

    require_redis()  # skipped without it on a workstation; under CI it fails

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        },
    }
    key = f"a:test-{uuid.uuid4()}"
    verdicts = [rate_limit_hit(key, limit=2, window=LONG_WINDOW) for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM api_ratewindow WHERE key = %s", [key])
        assert cursor.fetchone()[0] == 0  # counted in Redis, not in PostgreSQL


def test_without_redis_answering_the_limit_falls_back_to_postgresql(settings, db):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    verdicts = [rate_limit_hit("a:fallback", limit=1, window=LONG_WINDOW) for _ in range(2)]
    assert [v.allowed for v in verdicts] == [True, False]


# --- conditional GET --------------------------------------------------------------------


def test_an_unchanged_answer_is_a_304_without_a_body(demo, anonymous):
    first = anonymous.get("/api/v1/claims/?limit=5")
    etag = first["ETag"]
    again = anonymous.get("/api/v1/claims/?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    other = anonymous.get("/api/v1/claims/?limit=6", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_a_changed_answer_has_a_new_etag(demo, anonymous):
    first = anonymous.get("/api/v1/claims/?limit=5")
    claim = Claim.objects.filter(is_published=True).order_by("-made_on", "-id").first()
    claim.statement = "Changed wording."
    claim.save()
    again = anonymous.get("/api/v1/claims/?limit=5", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_matching_etag_is_answered_from_the_content_version_alone(
    demo, public_read, django_assert_max_num_queries, settings
):
    """Outside a transaction the ETag comes from the content version PostgreSQL keeps,
    so a 304 costs the rate limit and that version: no query of the endpoint's own."""
    client = Client()
    etag = client.get("/api/v1/claims/")["ETag"]
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/claims/", headers={"If-None-Match": etag}).status_code == 304
    claim = Claim.objects.filter(is_published=True).first()
    claim.statement = "Changed wording."
    claim.save()  # committed: the content version moves on
    assert client.get("/api/v1/claims/", headers={"If-None-Match": etag}).status_code == 200
    anonymous_etag = etag
    from dealtracker.accounts.services import user_create
    from dealtracker.accounts.tokens import api_token_create as create

    reader = user_create(
        username="r2", password="a-long-test-password-42", role="reader", validate=False
    )
    _, raw = create(user=reader, name="n", by=None)
    reader_etag = Client(headers=bearer(raw)).get("/api/v1/claims/")["ETag"]
    assert reader_etag != anonymous_etag  # drafts: another tier, another ETag
