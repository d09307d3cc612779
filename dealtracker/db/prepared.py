"""Prepared statements: PostgreSQL plans a page's queries once per connection, not per request.

On the scale-1 archive PostgreSQL spent 3.5-5 ms planning the claim-row query of the
home page (a five-table join) and 0.4 ms running it; planning was most of the
database's time on the home, deal and clause pages. Django's default sends every
query with its values written into the text (client-side binding), so no two
requests share a statement. Here the values travel apart (server-side binding),
psycopg prepares a statement once it has run `threshold` times on a connection, and
PostgreSQL plans its first five runs for their values, then keeps one generic plan
unless that plan is costed higher than the ones made for the values.

Except where the best plan depends on the values. A generic plan cannot know which
words are searched for, and costed without them it picked a plan that took the
sources list's search from 5 ms to 230 ms. A statement that matches text
(full-text `@@` and tsqueries, pg_trgm similarity, LIKE patterns: TEXT_MATCH) is
never prepared, so it is planned for its words every time, as before; so is a
hand-written statement that starts with PLANNED_EACH_TIME (the claims list's facets
when filtered: 9 → 31 ms for the largest deal on a generic plan; unfiltered they have
no value to plan for, and are prepared).

Measured once (the queries of a page replayed 20 times on one connection, the
scale-1 archive, median): home 7.9 → 2.2 ms, deal 7.9 → 4.7 ms, clause 6.2 →
2.2 ms, party 15.6 → 12.6 ms.

Plain path (DB_PLAIN=prepared): client-side binding, nothing prepared, as Django
does by default. Use it behind a pooler in transaction mode (PgBouncer without
max_prepared_statements), which cannot keep a statement on one connection.

Imported by the settings: psycopg only, no Django.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import psycopg

# SQL whose best plan depends on the text matched: full-text search, pg_trgm's
# similarity (its `%` operator is `%%` in a query with parameters), LIKE patterns.
TEXT_MATCH = re.compile(r"@@|tsquery|similarity|\bI?LIKE\b|%%", re.IGNORECASE)
# The first words of a statement to plan for its values every time it runs.
PLANNED_EACH_TIME = "/* planned each time */ "


class PreparingCursor(psycopg.Cursor):
    """psycopg's cursor (server-side binding) that leaves text matches, and statements
    that start with PLANNED_EACH_TIME, unprepared. (Django's own cursor adds callproc(),
    which nothing in dealtracker calls.)"""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and isinstance(query, str) and _planned_each_time(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


@functools.lru_cache(maxsize=256)
def _planned_each_time(query: str) -> bool:
    # Asked of every statement sent: TEXT_MATCH takes about 0.1 ms over a 3 KB query
    # that does not match, and a page sends the same few statements every time.
    return query.startswith(PLANNED_EACH_TIME) or bool(TEXT_MATCH.search(query))


def prepared_statement_options(options: dict[str, Any], *, threshold: int) -> dict[str, Any]:
    """A database's OPTIONS with server-side binding and prepared statements on."""
    return {
        **options,
        "server_side_binding": True,
        "prepare_threshold": threshold,
        "cursor_factory": PreparingCursor,
    }
