"""Timestamps read by Python's own ISO parser, not psycopg's regular expression
(the trick "timestamps").

Django reads every timestamptz through psycopg's pure-Python loader (its subclass
sets the connection's time zone on each value, so psycopg's C loader is never
used), and that loader matches each value with a regular expression: about 5 µs a
value on the bench machine, against 0.5 µs for datetime.fromisoformat. A page
reads one or two per row (created_at, updated_at, published_at): the deals list
about 330, a page of the annotations export about 350.

PostgreSQL writes a timestamptz as ISO 8601 in the session's time zone (DateStyle
ISO, as psycopg requires), which fromisoformat reads; what it does not read
(infinity, a date before Christ or after 9999, another DateStyle) goes to
psycopg's loader, which answers as before. The time zone is then set as Django's
loader sets it. Installed on every connection whose time zone is UTC (USE_TZ, no
TIME_ZONE of the database's own: the deployment's settings); other connections,
and every connection on the plain path (DB_PLAIN=timestamps), keep Django's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.backends.postgresql.psycopg_any import BaseTzLoader  # type: ignore[import-untyped]

from dealtracker.db.plain import is_plain

UTC = datetime.UTC


class UtcTimestampLoader(BaseTzLoader):
    """Django's timestamptz loader for a UTC connection, reading ISO text in C."""

    timezone = UTC  # what Django's cursor compares before setting its own loader

    def load(self, data: Any) -> datetime.datetime:
        try:
            value = datetime.datetime.fromisoformat(str(data, "ascii"))
        except ValueError:
            return super().load(data)
        return value.replace(tzinfo=UTC)


def use_iso_timestamps(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: read this connection's timestamps with UtcTimestampLoader."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    if is_plain("timestamps"):
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestampLoader)
