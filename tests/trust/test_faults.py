"""Faults: the database going away and coming back, runaway queries, writes failing half-way.

The outage is a cuttable TCP proxy on loopback between a real gunicorn and the
test database (never the shared server itself: NOTES.md).
"""

from __future__ import annotations

import re
import time

import httpx
import psycopg
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import OperationalError, connection, transaction
from django.test import Client

from dealtracker.claims import services as claim_services
from dealtracker.claims.models import Claim, Evidence
from dealtracker.desk.middleware import database_trouble
from dealtracker.ops.backup import conninfo
from dealtracker.sources import services as source_services
from dealtracker.sources.models import Source, SourceRevision

from .proxy import CuttableProxy, upstream_of
from .server import Gunicorn, database_url

PASSWORD = "a-long-test-password-42"


def _direct_conninfo(settings_dict: dict) -> dict:
    return conninfo(settings_dict)


@pytest.fixture
def proxied_server():
    """gunicorn (one sync worker, persistent connections) talking to the test database via the proxy."""
    proxy = CuttableProxy(upstream_of(connection.settings_dict))
    url = database_url(connection.settings_dict, host="127.0.0.1", port=proxy.port)
    server = Gunicorn(database_url=url, env={"DB_CONNECT_TIMEOUT": "2", "DB_CONN_MAX_AGE": "60"})
    try:
        server.wait_ready()
        yield proxy, server
    finally:
        server.stop()
        proxy.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_during_a_database_outage_gets_a_503_page_and_the_next_ones_work(
    admin_user, proxied_server
):
    proxy, server = proxied_server
    logged_in = Client()
    logged_in.force_login(admin_user)
    http = httpx.Client(
        base_url=server.url, cookies={"sessionid": logged_in.cookies["sessionid"].value}
    )
    pages = ["/admin/", "/admin/auth/user/"]
    assert http.get("/healthz").status_code == 200
    for page in pages:
        assert http.get(page).status_code == 200, page

    proxy.cut()
    started = time.monotonic()
    response = http.get("/admin/auth/user/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.text
    assert "Nothing you saved before is lost" in response.text
    assert "Traceback" not in response.text
    assert response.headers["Retry-After"] == "10"
    health = http.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "unavailable"}
    assert time.monotonic() - started < 10, "the outage held the worker"

    proxy.restore()
    # The same server process, no restart: the broken connection is replaced.
    assert http.get("/healthz").status_code == 200
    for page in pages:
        assert http.get(page).status_code == 200, page


@pytest.mark.django_db(transaction=True)
def test_a_request_stuck_behind_a_lock_is_cut_off_by_the_statement_timeout(reader):
    # The worker runs production's hasher; this user's password must verify there.
    reader.password = PBKDF2PasswordHasher().encode(PASSWORD, "trustsalt1234567")
    reader.save(update_fields=["password"])
    server = Gunicorn(
        database_url=database_url(connection.settings_dict),
        env={"DB_STATEMENT_TIMEOUT_MS": "500", "DB_LOCK_TIMEOUT_MS": "0"},
    )
    locker = psycopg.connect(**_direct_conninfo(connection.settings_dict))
    try:
        server.wait_ready()
        http = httpx.Client(base_url=server.url, timeout=30)
        form = http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        # Another transaction holds the user's row: logging in must update last_login.
        locker.execute("SELECT id FROM auth_user WHERE id = %s FOR UPDATE", [reader.pk])
        started = time.monotonic()
        response = http.post(
            "/accounts/login/",
            data={"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert "took too long" in response.text
        assert elapsed < 5, f"the request held the worker for {elapsed:.1f}s"
        locker.rollback()
        # The worker is free again at once.
        assert http.get("/healthz").status_code == 200
        form = http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = http.post(
            "/accounts/login/",
            data={"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
    finally:
        locker.close()
        server.stop()


def test_every_connection_carries_the_statement_and_lock_timeouts(db, settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] not in ("0", "0ms")
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] not in ("0", "0ms")


def test_no_connection_compiles_queries_with_jit(db):
    """A search's match count on the scale-10 archive spent 41 of its 128 ms compiling."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_no_query_starts_parallel_workers(db):
    """The sources list's search count at scale 10 ran slower with two workers (28 ms)
    than alone (23 ms), and under load the workers take other requests' cores."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_a_query_past_the_statement_timeout_is_cancelled_and_reported_as_a_timeout(db):
    with pytest.raises(OperationalError) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 100")
            started = time.monotonic()
            cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2
    assert database_trouble(caught.value) == "timeout"
    # The connection is usable afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_claim_delete_failing_half_way_leaves_claim_and_evidence_in_place(
    world, editor, monkeypatch
):
    claim = world.claim
    evidence_before = Evidence.objects.filter(claim=claim).count()
    assert evidence_before >= 1

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # The evidence rows go first; the claim's own delete then fails.
    monkeypatch.setattr(Claim, "delete", fail)
    with pytest.raises(RuntimeError):
        claim_services.claim_delete(claim=claim, by=editor)
    monkeypatch.undo()
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert Evidence.objects.filter(claim=claim).count() == evidence_before


def test_a_source_create_failing_at_its_revision_writes_no_source(db, editor, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("connection lost")

    # The revision is the second row written, after the source itself.
    monkeypatch.setattr(SourceRevision, "save", fail)
    with pytest.raises(RuntimeError):
        source_services.source_create(
            text="A report about the ceasefire.", title="Half-written", by=editor
        )
    monkeypatch.undo()
    assert not Source.objects.filter(title="Half-written").exists()


def test_the_500_page_hides_the_error_and_a_database_error_outside_a_view_gets_the_503(rf):
    from dealtracker.desk.views.site import server_error

    request = rf.get("/")
    try:
        raise ValueError("secret detail")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()
    assert "Something went wrong" in response.content.decode()
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
