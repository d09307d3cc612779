"""Bitmap scans only, for the search's candidate queries.

The candidate queries of the header's search (dealtracker/search/site.py) take
the first rows the GIN index finds. With plain index and sequential scans off
for the rest of the transaction, every table is read through bitmap scans, so
they go through the GIN indexes whatever the planner guesses about how common
a word is: a bad guess, with LIMIT, made it scan a whole table for a word that
was nowhere.

Pays: the search page on the large database (`make bench`, "search common" and
"search rare" rows). Plain path (DB_PLAIN=planner): the planner chooses.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): search rare
438 → 254 ms, search common 720 → 571 ms: no gain shown at that scale and load
(the trivial page also fell from 100 to 27 ms between the runs); the bad plan
was seen at --scale 1: re-measure there.
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
