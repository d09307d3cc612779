"""The replica router and its middleware, without replicas: which alias each request reads
from, the writer's cookie, and what a failed replica leaves behind. (The real primary and
replica: test_replica_streaming.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import types

import pytest
import time_machine
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from dealtracker.db import middleware as replica_middleware
from dealtracker.db import routers
from dealtracker.deals.models import Deal
from tests.trust.server import BASE_DIR

REPLICAS = ["replica1", "replica2"]


@pytest.fixture
def replicas(monkeypatch):
    """Two replicas configured (by name only: nothing here connects to them)."""
    monkeypatch.setattr(routers, "replica_aliases", lambda: list(REPLICAS))
    routers._down_until.clear()
    yield REPLICAS
    routers._down_until.clear()


class _Handler:
    """Just enough of Django's handler to run process_view before the view."""

    def __init__(self, seen: list):
        self.seen = seen
        self.middleware = replica_middleware.ReplicaRoutingMiddleware(self._view_chain)

    def _view_chain(self, request):
        match = request.resolver_match
        self.middleware.process_view(request, match.func, match.args, match.kwargs)
        self.seen.append(routers.reading_alias())
        return HttpResponse("ok", status=getattr(request, "answer_status", 200))

    def __call__(self, request):
        request.resolver_match = resolve(request.path_info)
        return self.middleware(request)


def _request(method: str, path: str, *, cookies: dict | None = None, user=None):
    from django.contrib.auth.models import AnonymousUser

    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    request.user = user or AnonymousUser()
    return request


def test_writes_and_migrations_go_to_the_primary_and_reads_where_the_request_says():
    router = routers.PrimaryReplicaRouter()
    assert router.db_for_read(Deal) == "default"
    token = routers.read_from("replica1")
    try:
        assert router.db_for_read(Deal) == "replica1"
        assert router.db_for_write(Deal) == "default"
    finally:
        routers.reset_reading(token)
    assert router.db_for_read(Deal) == "default"
    assert router.allow_migrate("default", "deals") is True
    assert router.allow_migrate("replica1", "deals") is False


def test_each_thread_reads_from_its_own_choice():
    token = routers.read_from("replica1")
    seen = {}

    def other():
        seen["before"] = routers.reading_alias()
        routers.read_from("replica2")
        seen["after"] = routers.reading_alias()

    try:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen == {"before": "default", "after": "replica2"}
        assert routers.reading_alias() == "replica1"
    finally:
        routers.reset_reading(token)


def test_without_replicas_the_middleware_drops_out():
    assert routers.replica_aliases() == []
    with pytest.raises(MiddlewareNotUsed):
        replica_middleware.ReplicaRoutingMiddleware(lambda request: HttpResponse())


def test_reading_pages_read_from_a_replica_and_other_pages_from_the_primary(replicas):
    seen: list = []
    handler = _Handler(seen)
    handler(_request("GET", "/deals/"))
    handler(_request("GET", "/claims/3/"))
    handler(_request("GET", "/search/"))  # search sets planner settings on the primary
    handler(_request("GET", "/sources/new/"))
    handler(_request("POST", "/claims/3/edit/"))
    assert seen[0] in REPLICAS and seen[1] in REPLICAS
    assert seen[2:] == ["default", "default", "default"]
    # Nothing is left behind for the next request on this thread.
    assert routers.reading_alias() == "default"


def test_a_successful_write_sends_that_browser_to_the_primary_for_the_window(replicas, settings):
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 10
    seen: list = []
    handler = _Handler(seen)
    wrote = handler(_request("POST", "/claims/3/edit/"))
    cookie = wrote.cookies[replica_middleware.WROTE_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["samesite"] == "Lax"
    after = {replica_middleware.WROTE_COOKIE: cookie.value}

    with time_machine.travel(0, tick=False) as clock:
        clock.move_to(_signed_at(cookie.value) + 5)
        handler(_request("GET", "/deals/", cookies=after))
        clock.move_to(_signed_at(cookie.value) + 11)
        handler(_request("GET", "/deals/", cookies=after))
    assert seen[1] == "default"
    assert seen[2] in REPLICAS

    forged = {replica_middleware.WROTE_COOKIE: "1:forged:signature"}
    handler(_request("GET", "/deals/", cookies=forged))
    assert seen[3] in REPLICAS


def _signed_at(value: str) -> float:
    from django.core import signing

    return signing.b62_decode(value.split(":")[1])


def test_refused_writes_and_reads_set_no_cookie(replicas):
    handler = _Handler([])
    refused = _request("POST", "/claims/3/edit/")
    refused.answer_status = 422
    assert replica_middleware.WROTE_COOKIE not in handler(refused).cookies
    assert replica_middleware.WROTE_COOKIE not in handler(_request("GET", "/deals/")).cookies


def test_a_replica_that_failed_is_left_alone_for_a_while(replicas, settings, monkeypatch):
    settings.REPLICA_RETRY_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(routers, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    routers.mark_down("replica1")
    assert [routers.choose_replica() for _ in range(20)] == ["replica2"] * 20
    routers.mark_down("replica2")
    assert routers.choose_replica() is None
    now[0] += 6
    assert routers.choose_replica() in REPLICAS


def test_settings_add_one_alias_per_replica_url_reading_the_primarys_test_database():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({a: [d['HOST'], d['PORT'], d['TEST']['MIRROR'], "
        "d['OPTIONS']['connect_timeout']] for a, d in s.DATABASES.items()})); "
        "print(s.DATABASE_ROUTERS)"
    )
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealtracker.settings",
        "DATABASE_REPLICA_URLS": "postgresql://u@r1.example:5433/dt, postgresql://u@r2.example/dt",
        "REPLICA_CONNECT_TIMEOUT": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    databases, routers_line = done.stdout.splitlines()
    import json

    parsed = json.loads(databases)
    assert parsed["replica1"] == ["r1.example", 5433, "default", 3]
    assert parsed["replica2"][0] == "r2.example"
    assert parsed["replica2"][2] == "default"
    assert "dealtracker.db.routers.PrimaryReplicaRouter" in routers_line
