"""Login: lockout after repeated failures (django-axes), expiring sessions, strong
passwords, no open redirects after login."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dealtracker.accounts.services import user_create

PASSWORD = "a-long-test-password-42"


def _login(client: Client, username: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_a_correct_login_works_and_lands_on_the_home_page(reader):
    client = Client()
    response = _login(client, "reader", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_repeated_failed_logins_lock_the_account_even_against_the_right_password(reader):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, "reader", "wrong-password-123")
        assert "_auth_user_id" not in client.session
    response = _login(client, "reader", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_ends_after_the_cool_off_time(reader):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "reader", "wrong-password-123")
        assert _login(client, "reader", PASSWORD).status_code == 429
    later = start + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later, tick=False):
        client = Client()
        assert _login(client, "reader", PASSWORD).status_code == 302


def test_failures_on_one_account_do_not_lock_another(reader, editor):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "reader", "wrong-password-123")
    assert _login(Client(), "editor", PASSWORD).status_code == 302


def test_a_session_expires_after_the_session_cookie_age(admin_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = Client()
        assert _login(client, "admin", PASSWORD).status_code == 302
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_sessions_are_not_forever():
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 60 * 60


@pytest.mark.parametrize(
    "weak", ["short1", "password123", "1234567890123", "reader-reader", "qwertyuiop"]
)
def test_weak_passwords_are_refused(db, weak):
    from django.contrib.auth.models import User

    with pytest.raises(ValidationError):
        validate_password(weak, User(username="reader-reader"))


def test_createuser_refuses_a_weak_password_and_creates_nobody(db):
    from django.contrib.auth import get_user_model

    with pytest.raises(CommandError, match="Password refused"):
        call_command("createuser", "weakling", role="editor", password="password1")
    assert not get_user_model().objects.filter(username="weakling").exists()


def test_user_create_validates_by_default(db):
    with pytest.raises(ValidationError):
        user_create(username="someone", password="12345678", role="reader")


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
        "http://testserver.evil.example/",
    ],
)
def test_login_never_redirects_off_site(reader, next_url):
    client = Client()
    form = client.get("/accounts/login/", {"next": next_url})
    assert "evil.example" not in form.content.decode()
    assert "javascript:" not in form.content.decode()
    response = _login(client, "reader", PASSWORD, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_login_keeps_a_local_next(reader):
    response = _login(Client(), "reader", PASSWORD, next="/claims/?kind=compliance")
    assert response["Location"] == "/claims/?kind=compliance"


def test_logout_is_post_only_and_ends_the_session(reader):
    client = Client()
    _login(client, "reader", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


# --- Lockout behind a reverse proxy ----------------------------------------------------------

WRONG = "wrong-password-123"
PROXIES = ("10.0.0.1", "10.0.0.2")  # outer, inner: the app sees the inner one as REMOTE_ADDR


def _through_proxies(client: Client, username: str, password: str, client_ip: str, forged=""):
    """A login post as it reaches the app through both proxies: the outer one appends the
    client's address to whatever X-Forwarded-For the client sent, the inner one the outer's."""
    chain = ", ".join(hop for hop in (forged, client_ip, PROXIES[0]) if hop)
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXIES[1],
        HTTP_X_FORWARDED_FOR=chain,
    )


@pytest.fixture
def two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"


def test_behind_proxies_failures_from_one_client_do_not_lock_out_another(editor, two_proxies):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _through_proxies(Client(), "editor", WRONG, "198.51.100.9")
    assert _through_proxies(Client(), "editor", PASSWORD, "198.51.100.9").status_code == 429
    # The editor, from their own address, through the same proxies: not locked out.
    assert _through_proxies(Client(), "editor", PASSWORD, "203.0.113.7").status_code == 302


def test_behind_proxies_a_client_cannot_dodge_the_lockout_by_forging_the_header(
    editor, two_proxies
):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _through_proxies(Client(), "editor", WRONG, "198.51.100.9", forged=f"192.0.2.{n}")
    response = _through_proxies(Client(), "editor", PASSWORD, "198.51.100.9", forged="192.0.2.99")
    assert response.status_code == 429


def test_without_a_trusted_proxy_the_header_is_ignored(editor, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        _through_proxies(Client(), "editor", WRONG, f"198.51.100.{n}")
    # Every attempt came from one connection address: one client, locked out.
    assert _through_proxies(Client(), "editor", PASSWORD, "203.0.113.7").status_code == 429


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, {"HTTP_X_FORWARDED_FOR": "198.51.100.9"}, "10.0.0.2"),
        (1, {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.9"}, "198.51.100.9"),
        (2, {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.9, 10.0.0.1"}, "198.51.100.9"),
        (2, {"HTTP_X_FORWARDED_FOR": "10.0.0.1"}, "10.0.0.2"),  # fewer hops than proxies
        (1, {"HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.2"),
        (1, {}, "10.0.0.2"),
        (1, {"HTTP_X_FORWARDED_FOR": "2001:db8::7"}, "2001:db8::7"),
        (1, {"HTTP_X_REAL_IP": "198.51.100.9"}, "198.51.100.9"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, count, meta, expected
):
    from django.test import RequestFactory

    from dealtracker.accounts.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    settings.CLIENT_IP_HEADER = "X-Real-IP" if "HTTP_X_REAL_IP" in meta else "X-Forwarded-For"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)
    assert client_ip(request) == expected


def test_a_lockout_ends_on_time_whatever_attempts_come_in_meanwhile(editor, two_proxies):
    cooloff = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _through_proxies(Client(), "editor", WRONG, "198.51.100.9")
    # Wrong and right passwords keep coming while it is locked out: refused, never counted.
    minute = dt.timedelta(minutes=1)
    for offset in range(1, int(cooloff / minute)):
        with time_machine.travel(start + offset * minute, tick=False):
            password = WRONG if offset % 2 else PASSWORD
            assert _through_proxies(Client(), "editor", password, "198.51.100.9").status_code == 429
    with time_machine.travel(start + cooloff - dt.timedelta(seconds=5), tick=False):
        assert _through_proxies(Client(), "editor", PASSWORD, "198.51.100.9").status_code == 429
    with time_machine.travel(start + cooloff + dt.timedelta(seconds=5), tick=False):
        assert _through_proxies(Client(), "editor", PASSWORD, "198.51.100.9").status_code == 302
