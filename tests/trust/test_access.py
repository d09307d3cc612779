"""Every URL of the site, as anonymous, reader, editor and admin, for GET and POST.

The expected answer is derived from the access marker each view carries
(`reader_required` → "reader", `permission_required` → "editor", the read API's
gate → "api"), so a view
added tomorrow is walked without anyone editing this file — and a view with no
marker fails the walk unless it is in urlwalk.ALLOW_UNMARKED with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from .urlwalk import ALLOW_UNMARKED, REDIRECTS, Route, all_routes

ROLES = ("anonymous", "reader", "editor", "admin")
LOGIN_URL = "/accounts/login/"


@dataclass
class Answer:
    role: str
    method: str
    url: str
    status: int
    location: str


def _short_name(route: Route) -> str:
    return route.name.split(":")[-1]


def _is_login_redirect(answer: Answer) -> bool:
    return answer.status == 302 and answer.location.startswith(LOGIN_URL)


def _request(client: Client, method: str, url: str) -> Answer:
    # Each request runs in a savepoint that is rolled back, so an editor's POST to a
    # delete endpoint does not take the world away from the next request.
    with transaction.atomic():
        response = client.generic(method, url)
        transaction.set_rollback(True)
    return Answer("", method, url, response.status_code, response.get("Location", ""))


def _expectation(route: Route, role: str, method: str, user, public_read: bool):
    """(predicate, description) of the acceptable answers."""
    methods = route.methods
    method_allowed = methods is None or method in methods
    if route.access == "reader":
        if method in ("GET", "HEAD") and method_allowed:
            if role == "anonymous" and not public_read:
                return _is_login_redirect, "302 to the login page"
            if _short_name(route) in REDIRECTS:
                return (
                    (lambda a: a.status == 302 and not _is_login_redirect(a)),
                    "302 to the page",
                )
            return (lambda a: a.status == 200), "200"
        # Reading views accept no writes.
        if role == "anonymous" and not public_read:
            return (lambda a: a.status == 405 or _is_login_redirect(a)), "405 or 302 to login"
        return (lambda a: a.status == 405), "405 (reading views are GET-only)"
    if route.access == "api":
        # The read API (dealtracker/api/gate.py): JSON, GET and HEAD only; anonymous
        # clients only in public-read mode, else 401 (never a redirect to a login page).
        if method not in ("GET", "HEAD"):
            return (lambda a: a.status == 405), "405 (the API is read-only)"
        if role == "anonymous" and not public_read:
            return (lambda a: a.status == 401), "401 (a token is needed)"
        return (lambda a: a.status == 200), "200"
    if route.access == "admin":
        # Behind the admin's login: everyone but admins is sent to it.
        if role != "admin":
            return (
                (lambda a: a.status == 302 and a.location.startswith("/admin/login/")),
                "302 to the admin login",
            )
        if not method_allowed:
            return (lambda a: a.status == 405), "405"
        return (lambda a: a.status in {200, 302}), "200/302"
    # An editing endpoint.
    if role == "anonymous":
        return (
            (lambda a: _is_login_redirect(a) or (not method_allowed and a.status == 405)),
            "302 to login",
        )
    if not user.has_perms(route.permissions):
        return (lambda a: a.status in (403, 405) if not method_allowed else a.status == 403), "403"
    if not method_allowed:
        return (lambda a: a.status == 405), "405"
    ok = {200, 201, 204, 302, 303, 400, 404, 409, 413, 422}
    return (lambda a: a.status in ok), "a handled answer (200/302/400/404/409/422), never 403/500"


def _clients(reader, editor, admin_user) -> dict[str, tuple[Client, object]]:
    from django.contrib.auth.models import AnonymousUser

    out = {"anonymous": (Client(raise_request_exception=False), AnonymousUser())}
    for role, user in (("reader", reader), ("editor", editor), ("admin", admin_user)):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        out[role] = (client, user)
    return out


def _walk(world, clients, public_read: bool, roles=ROLES) -> tuple[list[str], int]:
    failures = []
    count = 0
    for route in all_routes():
        if route.access is None:
            continue  # reported by test_every_view_carries_an_access_marker
        url = route.url(world)
        for role in roles:
            client, user = clients[role]
            for method in ("GET", "POST"):
                answer = _request(client, method, url)
                count += 1
                ok, wanted = _expectation(route, role, method, user, public_read)
                if not ok(answer):
                    failures.append(
                        f"{route.name} [{route.access}] {method} {url} as {role}: "
                        f"{answer.status} {answer.location} (expected {wanted})"
                    )
    return failures, count


def test_every_view_carries_an_access_marker():
    unmarked = [
        f"{r.name} ({r.route})"
        for r in all_routes()
        if r.access is None and _short_name(r) not in ALLOW_UNMARKED
    ]
    assert not unmarked, (
        "Views without @reader_required or @permission_required (add one, or list the view "
        "in tests/trust/urlwalk.py ALLOW_UNMARKED with the reason): " + ", ".join(unmarked)
    )


def test_every_editing_endpoint_names_a_model_permission():
    bare = [r.name for r in all_routes() if r.access in ("editor", "admin") and not r.permissions]
    assert not bare, f"permission_required() without a permission: {bare}"


@pytest.mark.parametrize("public_read", [False, True], ids=["login-only", "public-read"])
def test_every_url_answers_each_role_as_its_access_marker_says(
    world, reader, editor, admin_user, settings, public_read
):
    settings.PUBLIC_READ = public_read
    # The mode changes only what anonymous visitors get; logged-in roles are walked once.
    roles = ("anonymous",) if public_read else ROLES
    failures, count = _walk(world, _clients(reader, editor, admin_user), public_read, roles)
    assert count >= 0
    assert not failures, f"{len(failures)} of {count} answers wrong:\n" + "\n".join(failures)


def test_the_walk_covers_the_site_routes():
    names = {_short_name(r) for r in all_routes()}
    assert {"healthz", "login", "logout"} <= names


def test_healthz_login_and_logout_answer_anyone(db, client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.get(LOGIN_URL).status_code == 200
    # Logout is POST-only since Django 5: a GET must not log anyone out.
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302


@pytest.mark.parametrize(
    "role,expected",
    [("anonymous", "login"), ("reader", "login"), ("editor", "login"), ("admin", 200)],
)
def test_only_admins_get_into_the_django_admin(
    db, reader, editor, admin_user, role, expected, settings
):
    settings.PUBLIC_READ = True  # public-read must not open the admin
    client = Client()
    users = {"reader": reader, "editor": editor, "admin": admin_user}
    if role in users:
        client.force_login(users[role])
    for url in ("/admin/", "/admin/claims/claim/", "/admin/auth/user/"):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        elif url == "/admin/claims/claim/" and response.status_code == 404:
            pass  # the claims admin may not be registered
        else:
            assert response.status_code == expected, url


def test_every_admin_page_an_admin_can_open_renders(admin_client, world):
    """Changelists and add forms of every registered model answer 200 to an admin."""
    from django.contrib import admin

    failures = []
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
            status = admin_client.get(url).status_code
            if status not in (200, 403):  # 403: an add the admin class forbids
                failures.append(f"{url}: {status}")
    assert not failures


def test_login_url_setting_is_the_walked_login_page():
    assert reverse(settings.LOGIN_URL) == LOGIN_URL
