"""The shared world: a reader, an editor and an admin, and logged-in clients for each.

Tests that need the demo deal use the `demo` fixture (loaded by `loaddemo`).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from dealtracker.accounts.services import user_create

# One session-wide Chromium for every browser test, wherever it lives.
pytest_plugins = ["tests.browser.fixtures"]

PASSWORD = "a-long-test-password-42"


@pytest.fixture
def reader(db):
    return user_create(username="reader", password=PASSWORD, role="reader", validate=False)


@pytest.fixture
def editor(db):
    return user_create(username="editor", password=PASSWORD, role="editor", validate=False)


@pytest.fixture
def admin_user(db):
    return user_create(username="admin", password=PASSWORD, role="admin", validate=False)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reader_client(reader):
    return _client_for(reader)


@pytest.fixture
def editor_client(editor):
    return _client_for(editor)


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def public_read(settings):
    settings.PUBLIC_READ = True
    return settings


@pytest.fixture
def demo(db):
    """The demo deal from the sample report, as `manage.py loaddemo` loads it."""
    call_command("loaddemo", verbosity=0)
    from dealtracker.deals.models import Deal

    return Deal.objects.get(slug="gaza-ceasefire-2025")


# --- foundation (admin, demo data) ---


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher costs about a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no cached page bodies (they live in this process's memory)."""
    from django.conf import settings
    from django.core.cache import caches

    caches[settings.PAGE_CACHE_ALIAS].clear()


@pytest.fixture(autouse=True)
def _documents_storage(settings, tmp_path_factory):
    """Uploaded originals go to a folder of this test session, never the project's media/."""
    storages = dict(settings.STORAGES)
    storages["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.getbasetemp() / "documents")},
    }
    settings.STORAGES = storages
