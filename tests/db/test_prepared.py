"""Prepared statements (dealtracker/db/prepared.py): a page's queries are prepared on their
connection once they have run DB_PREPARE_THRESHOLD times, and the pages read the same."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.urls import reverse

from dealtracker.db import prepared
from dealtracker.db.prepared import PLANNED_EACH_TIME, TEXT_MATCH
from tests.factories import build_lists_world
from tests.foundation.test_settings import manage

pytestmark = pytest.mark.django_db

# What differs between two renders of one page whatever the database does.
PER_REQUEST = re.compile(r'(nonce|value)="[^"]*"|"X-CSRFToken": "[^"]*"')


@pytest.fixture
def w(db):
    return build_lists_world()


def _prepared_statements() -> list[str]:
    """The statements psycopg prepared on this connection (not SQL PREPAREs)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_the_connection_binds_on_the_server_and_prepares_after_five_runs(db):
    connection.ensure_connection()
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    assert connection.connection.prepare_threshold == 5


def _read_eight_times(client, url: str) -> str:
    """The page, read eight times (prepared after five): each time the same page."""
    pages = [client.get(url) for _ in range(8)]
    assert {response.status_code for response in pages} == {200}
    first = PER_REQUEST.sub("", pages[0].content.decode())
    for response in pages[1:]:
        assert PER_REQUEST.sub("", response.content.decode()) == first
    return first


@pytest.mark.parametrize("page", ["desk:home", "desk:claim-list"])
def test_a_page_read_again_and_again_runs_prepared_statements_and_reads_the_same(
    w, client, public_read, settings, page
):
    settings.PAGE_CACHE = False  # every request renders, and queries
    before = set(_prepared_statements())  # earlier tests' statements stay on the connection
    assert "every withdrawal due so far" in _read_eight_times(client, reverse(page))
    # Sent with $1, $2 … and planned once: the claims the page lists among them.
    claims = [s for s in set(_prepared_statements()) - before if '"claims_claim"' in s]
    assert claims
    assert all("%s" not in s for s in claims)


@pytest.mark.parametrize(
    ("url", "others"),
    [
        ("/search/?q=withdrawal", False),  # every statement of the search matches text
        ("/sources/?q=withdrawal", True),
        ("/claims/?q=withdrawal", True),
        ("/claims/?deal=gaza-ceasefire-2025", True),  # the facets: PLANNED_EACH_TIME
    ],
)
def test_text_matches_and_the_facets_are_planned_for_their_values_every_time(
    w, client, public_read, settings, url, others
):
    settings.PAGE_CACHE = False
    before = set(_prepared_statements())
    assert "withdrawal" in _read_eight_times(client, url).lower()
    new = set(_prepared_statements()) - before
    assert bool(new) is others  # the page's other statements are prepared
    assert not [s for s in new if TEXT_MATCH.search(s)]
    assert not [s for s in new if "WITH scan AS MATERIALIZED" in s]  # the facets


def test_the_whole_lists_facets_have_no_value_to_plan_for_and_are_prepared(
    w, client, public_read, settings
):
    settings.PAGE_CACHE = False
    before = set(_prepared_statements())
    assert "every withdrawal due so far" in _read_eight_times(client, "/claims/")
    facets = [s for s in set(_prepared_statements()) - before if "WITH scan AS MATERIALIZED" in s]
    assert len(facets) == 1
    assert "$1" not in facets[0]  # nothing a generic plan would be blind to


@pytest.mark.parametrize(
    ("sql", "planned_each_time"),
    [
        ('SELECT "deals_deal"."id" FROM "deals_deal" WHERE "deals_deal"."slug" = %s', False),
        ("SELECT id FROM claims_claim WHERE search_vector @@ websearch_to_tsquery(%s)", True),
        ('SELECT id FROM deals_party WHERE "deals_party"."name" %% %s', True),
        ("SELECT id FROM deals_party WHERE UPPER(name) LIKE UPPER(%s)", True),
        ("SELECT word_similarity(%s, name) FROM deals_party", True),
        (PLANNED_EACH_TIME + "WITH scan AS (SELECT 1) SELECT * FROM scan", True),
    ],
)
def test_which_statements_are_never_prepared(sql, planned_each_time):
    assert prepared._planned_each_time(sql) is planned_each_time


def _database_options(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings;"
        "print(json.dumps(settings.DATABASES['default']['OPTIONS'], default=str))"
    )
    result = manage("shell", "-c", code, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_db_plain_prepared_binds_on_the_client_and_prepares_nothing():
    assert _database_options(DB_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2
    plain = _database_options(DB_PLAIN="prepared")
    assert "server_side_binding" not in plain
    assert "prepare_threshold" not in plain


def test_a_negative_threshold_is_refused_with_a_message():
    result = manage("check", DEBUG="true", DB_PREPARE_THRESHOLD="-1")
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be a number of runs" in result.stderr
