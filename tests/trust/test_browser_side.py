"""Browser-side protections: CSP with nonces, framing, HTTPS-only cookies and HSTS, CSRF."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from .urlwalk import all_routes

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_pages_carry_a_csp_without_unsafe_inline_scripts_and_htmx_has_the_nonce(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    csp = _csp(response)
    script_src = csp["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonces = [s for s in script_src if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "htmx should be loaded on every page"
    for tag in scripts:
        # Every script is a file from our static files, carrying this response's nonce.
        assert f'nonce="{nonce}"' in tag, tag
        assert re.search(r'src="/static/', tag), tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "inline script body"
    # A fresh nonce per response.
    assert (
        Client().get("/accounts/login/")["Content-Security-Policy"]
        != response["Content-Security-Policy"]
    )


def test_pages_refuse_to_be_framed_and_sniffed(db):
    response = Client().get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_view_is_exempt_from_csrf():
    exempt = [r.name for r in all_routes() if getattr(r.callback, "csrf_exempt", False)]
    assert not exempt, f"csrf_exempt views: {exempt}"


def test_every_editing_endpoint_refuses_a_post_without_the_csrf_token(world, editor):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(editor)
    failures = []
    for route in all_routes():
        if route.access != "editor" or (route.methods is not None and "POST" not in route.methods):
            continue
        url = route.url(world)
        for headers in ({}, {"HX-Request": "true"}):
            with transaction.atomic():
                response = client.post(url, {"statement": "x"}, headers=headers)
                transaction.set_rollback(True)
            if response.status_code != 403 or b"Form expired" not in response.content:
                failures.append(f"POST {url} {headers} without token: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_htmx_post_with_the_token_from_hx_headers_passes_the_csrf_check(world, editor):
    """base.html puts the token in hx-headers; htmx sends it as X-CSRFToken."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(editor)
    # The token rotates at login: read it from a page the editor sees.
    match = None
    for route in all_routes():
        if route.access == "reader" and not match:
            page = client.get(route.url(world))
            match = re.search(
                r"data-hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page.content.decode()
            )
    assert match, "hx-headers with the CSRF token on <body>"
    token = match.group(1)
    routes = [
        r
        for r in all_routes()
        if r.access == "editor" and (r.methods is None or "POST" in r.methods)
    ]
    if not routes:
        pytest.skip("no editing endpoint yet")
    for route in routes:
        with transaction.atomic():
            response = client.post(
                route.url(world), {}, headers={"HX-Request": "true", "X-CSRFToken": token}
            )
            transaction.set_rollback(True)
        assert response.status_code not in (403, 500), (route.name, response.status_code)


def test_login_refuses_a_post_without_the_csrf_token(db, reader):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "reader", "password": "a-long-test-password-42"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def _production_settings() -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"}
    }
    env.update(
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="desk.example.org",
        DJANGO_SETTINGS_MODULE="dealtracker.settings",
    )
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) "
        "for n in ['SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE',"
        "'SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS','SESSION_COOKIE_HTTPONLY',"
        "'SECURE_PROXY_SSL_HEADER','DEBUG','SESSION_COOKIE_AGE']}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_production_defaults_are_https_only():
    prod = _production_settings()
    assert prod["DEBUG"] is False
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert 0 < prod["SESSION_COOKIE_AGE"] <= 24 * 3600


def test_with_production_https_settings_cookies_are_secure_and_hsts_is_sent(db, reader, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    # The load balancer's health check is plain HTTP.
    assert client.get("/healthz").status_code == 200
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert secure.cookies["csrftoken"]["secure"]
    token = secure.cookies["csrftoken"].value
    logged_in = client.post(
        "/accounts/login/",
        {"username": "reader", "password": "a-long-test-password-42", "csrfmiddlewaretoken": token},
        secure=True,
    )
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    # Behind the load balancer: X-Forwarded-Proto says the visitor used HTTPS.
    proxied = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
