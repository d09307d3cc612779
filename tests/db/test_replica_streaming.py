"""Read replicas against a real streaming replica: a primary and a replica made by
tests/db/pgpair.py, the app under gunicorn reading from both.

- An editor's change is on the pages they read next at once (read-your-writes),
  while anonymous readers, who read from the replica, see it once the replica has
  replayed it (its replay is paused to make the wait certain).
- When the replica stops, the reading pages are answered from the primary.

Selected with `-m replica`; part of every full run. The tests talk only to the
servers built here; the session's test database is the primary's starting point.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.forms import form_values
from tests.trust.server import BASE_DIR, Gunicorn

from .pgpair import Pair

# django_db: the session's test database is made (migrated), and copied into the primary.
pytestmark = [pytest.mark.replica, pytest.mark.django_db]

PASSWORD = "a-long-test-password-42"
EDITOR = "replica-editor"
# What the primary holds besides the tests' migrated database: the demo deal, one editor.
PREPARE = f"""
from django.core.management import call_command
from dealtracker.accounts.services import user_create
call_command("loaddemo", verbosity=0)
user_create(username="{EDITOR}", password="{PASSWORD}", role="editor", validate=False)
"""
WINDOW = 3  # REPLICA_READ_YOUR_WRITES_SECONDS of the server under test


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    from django.db import connections

    from dealtracker.ops.backup import conninfo

    pair = Pair()
    try:
        pair.start_primary()
        pair.primary.query("CREATE DATABASE dealtracker")
        # The session's test database is migrated already; its copy needs no migration.
        with django_db_blocker.unblock():
            pair.copy_database(conninfo(connections["default"].settings_dict), name="dealtracker")
        env = {
            "DATABASE_URL": pair.primary.url("dealtracker"),
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "dealtracker.settings",
        }
        subprocess.run(  # noqa: S603 — our own interpreter and manage.py
            [sys.executable, "manage.py", "shell", "-c", PREPARE],
            cwd=BASE_DIR,
            env={**_environ(), **env},
            check=True,
            capture_output=True,
            timeout=180,
        )
        pair.start_replica()
        yield pair
    finally:
        pair.close()


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_REPLICA_URLS")}


@pytest.fixture(scope="module")
def site(pair):
    server = Gunicorn(
        database_url=pair.primary.url("dealtracker"),
        env={
            "DATABASE_REPLICA_URLS": pair.replica.url("dealtracker"),
            "REPLICA_READ_YOUR_WRITES_SECONDS": str(WINDOW),
            "REPLICA_RETRY_SECONDS": "60",
            "PUBLIC_READ": "true",
            "ENV_FILE": "",
            "LOG_LEVEL": "WARNING",
        },
    )
    try:
        server.wait_ready()
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def _published_claim(pair: Pair) -> tuple[int, str]:
    return pair.primary.query(
        "SELECT id, statement FROM claims_claim WHERE is_published ORDER BY id LIMIT 1",
        database="dealtracker",
    )


def _logged_in(site: Gunicorn) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=20)
    form = form_values(client.get("/accounts/login/").text, css_class="stacked-form")
    form.update(username=EDITOR, password=PASSWORD)
    answer = client.post("/accounts/login/", data=form)
    assert answer.status_code == 302, answer.text[:500]
    return client


def _edit_statement(client: httpx.Client, claim_id: int, statement: str) -> None:
    page = client.get(f"/claims/{claim_id}/edit/")
    assert page.status_code == 200
    form = form_values(page.text, action=f"/claims/{claim_id}/edit/")
    form["statement"] = statement
    answer = client.post(f"/claims/{claim_id}/edit/", data=form)
    assert answer.status_code in (200, 302, 303), answer.text[:500]


def _replay(pair: Pair, *, paused: bool) -> None:
    pair.replica.query(
        "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
    )
    wanted = "paused" if paused else "not paused"
    deadline = time.monotonic() + 10
    while pair.replica.query("SELECT pg_get_wal_replay_pause_state()")[0] != wanted:
        assert time.monotonic() < deadline, f"replay not {wanted}"
        time.sleep(0.05)


def test_the_editor_sees_their_change_at_once_and_readers_once_the_replica_replays_it(pair, site):
    claim_id, _ = _published_claim(pair)
    claim_page = f"/claims/{claim_id}/"
    reader = httpx.Client(base_url=site.url, timeout=20)
    editor = _logged_in(site)
    pair.caught_up()
    assert reader.get(claim_page).status_code == 200

    changed = "Ceasefire statement corrected on the primary near Quokkaville"
    # The claims list keeps its bodies in the page cache, keyed by the content version.
    found = "/claims/?q=Quokkaville"
    _replay(pair, paused=True)
    try:
        _edit_statement(editor, claim_id, changed)
        assert pair.primary.query(
            "SELECT statement FROM claims_claim WHERE id = %s", (claim_id,), database="dealtracker"
        ) == (changed,)

        # The editor reads from the primary: their change is there at once.
        assert changed in editor.get(claim_page).text
        # Anonymous readers read from the replica, which has not replayed it.
        anonymous = reader.get(claim_page)
        assert anonymous.status_code == 200
        assert changed not in anonymous.text
        # A body rendered from the replica is kept under the version the replica shows.
        assert changed not in reader.get(found).text

        # Once the editor's window is over, their reading pages come from the replica too.
        time.sleep(WINDOW + 0.5)
        assert changed not in editor.get(claim_page).text
    finally:
        _replay(pair, paused=False)

    pair.caught_up()
    assert changed in reader.get(claim_page).text
    assert changed in reader.get(found).text
    assert changed in editor.get(claim_page).text


def test_reading_pages_are_answered_from_the_primary_once_the_replica_stops(pair, site):
    claim_id, statement = _published_claim(pair)
    reader = httpx.Client(base_url=site.url, timeout=20)
    pages = ["/", "/deals/gaza-ceasefire-2025/", f"/claims/{claim_id}/", "/claims/"]
    for page in pages:
        assert reader.get(page).status_code == 200, page

    pair.replica.stop()
    started = time.monotonic()
    for _ in range(3):
        for page in pages:
            answer = reader.get(page)
            assert answer.status_code == 200, (page, answer.text[:500])
    assert html.escape(statement) in reader.get(f"/claims/{claim_id}/").text
    assert time.monotonic() - started < 20

    # The failure is remembered: one request found the replica gone, the rest did not try.
    log = site.stop()
    failures = re.findall(r"replica replica1 failed", log)
    assert len(failures) == 1, log[-3000:]
