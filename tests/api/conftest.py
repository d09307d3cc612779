"""Fixtures of the read API's tests: tokens, clients that send them, roomy rate limits."""

from __future__ import annotations

import pytest
from django.test import Client

from dealtracker.accounts.tokens import api_token_create

# Eleven and a half days: the chance that a test runs across a window's end is
# about one in a million (with 60 s windows it was one in a hundred on a slow machine).
LONG_WINDOW = 1_000_000


@pytest.fixture(autouse=True)
def _roomy_rate_limits(settings):
    """Tests send many requests from one address; the rate-limit tests set their own.

    Windows are fixed, so a burst that straddles a window's end starts counting
    afresh: a window of LONG_WINDOW seconds keeps a test's requests in one."""
    settings.API_RATE_LIMIT_ANONYMOUS = 100_000
    settings.API_RATE_LIMIT_TOKEN = 100_000
    settings.API_RATE_LIMIT_WINDOW = LONG_WINDOW


@pytest.fixture
def reader_token(reader, admin_user):
    token, raw = api_token_create(user=reader, name="notebook", by=admin_user)
    token.raw = raw
    return token


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def token_client(reader_token):
    """A client that sends the reader's token with every request (and has no session)."""
    return Client(headers=bearer(reader_token.raw), raise_request_exception=True)


@pytest.fixture
def anonymous(public_read):
    return Client(raise_request_exception=True)
