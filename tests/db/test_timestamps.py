"""The trick "timestamps" (dealtracker/db/timestamps.py): every timestamp PostgreSQL can
send reads as Django's own loader reads it."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection, connections
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from psycopg.pq import Format

from dealtracker.db.timestamps import UtcTimestampLoader

pytestmark = pytest.mark.django_db

TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid


def loader_of(wrapper) -> type:
    wrapper.ensure_connection()
    return wrapper.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)  # type: ignore[union-attr]


@pytest.fixture
def plain_connection(settings):
    """A second connection to the test database, opened on the plain path."""
    settings.DB_PLAIN = frozenset({"timestamps"})
    other = connections.create_connection("default")
    yield other
    other.close()


def read(wrapper, texts: list[str]) -> list:
    """Each text as a timestamptz, as the connection's loader reads it (or its error)."""
    out = []
    with wrapper.cursor() as cursor:
        for text in texts:
            try:
                cursor.execute("SELECT %s::timestamptz", [text])
                out.append(cursor.fetchone()[0])
            except Exception as exc:  # noqa: BLE001 — the error is what is compared
                out.append((type(exc).__name__, str(exc).split("\n")[0]))
    return out


def test_every_connection_reads_timestamps_with_it_unless_plain(plain_connection):
    assert loader_of(connection) is UtcTimestampLoader
    assert loader_of(plain_connection) is not UtcTimestampLoader
    assert loader_of(plain_connection).timezone is datetime.UTC  # Django's own


EDGES = [
    "2026-12-07 03:21:16.564031+00",
    "2026-12-07 03:21:16.5+00",
    "2026-12-07 03:21:16+00",
    "2026-03-29 01:30:00+01",  # an offset: turned into UTC by the server
    "0001-01-01 00:00:00+00",
    "0099-06-30 23:59:59.999999+00",
    "9999-12-31 23:59:59.999999+00",
    "1970-01-01 00:00:00+00",
    "2024-02-29 12:00:00-09:30",
    "infinity",  # psycopg refuses these: so must the trick, with the same error
    "-infinity",
    "0044-03-15 12:00:00+00 BC",
    "10000-01-01 00:00:00+00",
]


def test_edge_values_read_the_same_on_both_paths(plain_connection):
    fast, plain = read(connection, EDGES), read(plain_connection, EDGES)
    assert fast == plain
    assert [type(v) for v in fast].count(tuple) == 4, "the four out of Python's range fail"
    for value in fast:
        if isinstance(value, datetime.datetime):
            assert value.tzinfo is datetime.UTC


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    st.datetimes(
        min_value=datetime.datetime(1, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.just(datetime.UTC),
    )
)
def test_any_timestamp_reads_as_stored(value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [value])
        (read_back,) = cursor.fetchone()
    assert read_back == value and read_back.tzinfo is datetime.UTC
