"""The shared world: a reader, an editor and an admin, and logged-in clients for each;
the demo deal (`demo`), the small deal of tests/factories.py (`world`) and the big one
(`many_rows`).

Built once, read by many. A module whose tests only read the demo, `world` or the
many-rows world asks for it once with `pytestmark = pytest.mark.usefixtures("shared_demo")`
(or "shared_world", "shared_many_rows"): the rows are then written once, in a transaction that stays open
for the module, and each test runs inside it in the usual per-test savepoint, rolled
back after it — what Django's TestCase.setUpTestData does for a class. The world is not
committed once for the whole session (`django_db_setup`), because every other test would
then see it: most build their own rows under the same names (the party `israel`, the deal
`gaza-ceasefire-2025`) and count what the pages list. Nor may a shared module hold a
transactional test (`transactional_db`, `live_server`, `django_db(transaction=True)`):
those commit, and flush every table when done, inside the module's transaction, so
live servers could not see the world and the tests after them would find it gone;
collection refuses such a module (see `pytest_collection_modifyitems`).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from dealtracker.accounts.services import user_create
from tests.factories import build_many_rows, build_world

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


SHARED_WORLDS = ("shared_demo", "shared_world", "shared_many_rows")


def _kept_for_the_module(django_db_blocker, build):
    """Build rows in a transaction left open until the module's last test has run, then
    rolled back: the module's tests see them; no other test does."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _load_demo():
    call_command("loaddemo", verbosity=0)


def _build_many_rows() -> SimpleNamespace:
    world = build_world()
    big = build_many_rows()
    big.world = world
    return big


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module that asks (see the module docstring)."""
    yield from _kept_for_the_module(django_db_blocker, _load_demo)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """`world`, built once for the module that asks."""
    yield from _kept_for_the_module(django_db_blocker, build_world)


@pytest.fixture(scope="module")
def shared_many_rows(django_db_setup, django_db_blocker):
    """`world` and the big deal, built once for the module that asks."""
    yield from _kept_for_the_module(django_db_blocker, _build_many_rows)


def pytest_collection_modifyitems(config, items):
    transactional = {"transactional_db", "live_server", "django_db_serialized_rollback"}
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        marker = item.get_closest_marker("django_db")
        commits = bool(names & transactional) or bool(
            marker
            and (marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback"))
        )
        if commits and names & set(SHARED_WORLDS):
            raise pytest.UsageError(
                f"{item.nodeid} commits (a transactional test) in a module that shares a world "
                "in one open transaction; give it a module of its own (tests/conftest.py)."
            )


@pytest.fixture
def demo(request, db):
    """The demo deal from the sample report, as `manage.py loaddemo` loads it."""
    if "shared_demo" not in request.fixturenames:
        _load_demo()
    from dealtracker.deals.models import Deal

    return Deal.objects.get(slug="gaza-ceasefire-2025")


@pytest.fixture
def world(request, db) -> SimpleNamespace:
    """The small deal of `build_world()` (tests/factories.py)."""
    if "shared_many_rows" in request.fixturenames:
        # A copy: a test may change the objects it is given; the rows roll back by themselves.
        return copy.deepcopy(request.getfixturevalue("shared_many_rows").world)
    if "shared_world" in request.fixturenames:
        return copy.deepcopy(request.getfixturevalue("shared_world"))
    return build_world()


@pytest.fixture
def many_rows(request, world) -> SimpleNamespace:
    """`world` plus a big deal (30 clauses, 10 parties, 300 claims with evidence)."""
    if "shared_many_rows" in request.fixturenames:
        big = copy.deepcopy(request.getfixturevalue("shared_many_rows"))
        big.world = world
        return big
    big = build_many_rows()
    big.world = world
    return big


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
