"""Bitmap scans only, for the search's candidate queries.

The candidate queries of the header's search (dealtracker/search/site.py) take
the first rows the GIN index finds. With plain index and sequential scans off
for the rest of the transaction, every table is read through bitmap scans, so
they go through the GIN indexes whatever the planner guesses about how common
a word is: a bad guess, with LIMIT, made it scan a whole table for a word that
was nowhere.

Pays: the search page on the large database (`make bench`, "search" rows).
Plain path (DB_PLAIN=planner): the planner chooses.
"""

from __future__ import annotations

from .plain import is_plain


def bitmap_scans_only() -> list[str]:
    """set_config() calls for a SELECT run inside the transaction (none on the plain path).

    Returned as SQL to add to a SELECT the caller runs anyway: no query of its own."""
    if is_plain("planner"):
        return []
    return [
        "set_config('enable_seqscan', 'off', true)",
        "set_config('enable_indexscan', 'off', true)",
    ]
