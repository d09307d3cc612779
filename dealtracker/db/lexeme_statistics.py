"""How common a search word is, from PostgreSQL's statistics (pg_stats).

The header's search walks a table newest-first when a word is in a large share
of its rows (dealtracker/search/site.py). That share comes from ANALYZE's most
common lexemes of each search vector: an estimate that costs one read of
pg_stats (a big view, dearer than a search, so kept in the default cache for
STATISTICS_SECONDS) plus one query for the word's lexemes.

Pays: a common word in the search of the large database (`make bench`, "search
common" row), where counting the matches costs what the walk saves. Plain path
(DB_PLAIN=lexeme_statistics): the share is counted, one aggregate per table over
the GIN index; the same choice of walk whenever the statistics are fresh.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): search common
720 → 571 ms with 15 → 18 queries: no gain shown at that scale (10,000 claims)
and load; the walk pays on a word in most of 50,000 sources (--scale 1):
re-measure there.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Model

from dealtracker.fulltext.matching import SEARCH_CONFIGS, index_matches

from .plain import is_plain

# Statistics change only when a table is analyzed.
STATISTICS_SECONDS = 60


def _cache_key(vector: str) -> str:
    return f"dealtracker:lexeme-statistics:{connection.settings_dict['NAME']}:{vector}"


def forget_lexeme_statistics(vector: str = "search_vector") -> None:
    """Drop the kept statistics (the next search reads them again)."""
    cache.delete(_cache_key(vector))


def _lexeme_statistics(
    tables: tuple[str, ...], vector: str
) -> dict[str, tuple[float, dict[str, float]]]:
    """Per analyzed table: (rows, {frequent lexeme: fraction of rows holding it})."""
    key = _cache_key(vector)
    found = cache.get(key)
    if found is None:
        found = _read_statistics(vector)
        cache.set(key, found, STATISTICS_SECONDS)
    return {table: found[table] for table in tables if table in found}


def _read_statistics(vector: str) -> dict[str, tuple[float, dict[str, float]]]:
    """Every table of the current schema with a `vector` column ANALYZE has seen."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.tablename, c.reltuples,
                   s.most_common_elems::text::text[], s.most_common_elem_freqs
            FROM pg_stats s
            JOIN pg_namespace n ON n.nspname = s.schemaname
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
            WHERE s.schemaname = current_schema()
              AND s.attname = %s
              AND s.most_common_elems IS NOT NULL
            """,
            [vector],
        )
        # The frequencies list ends with two more numbers (their minimum and
        # maximum); zip() stops at the last lexeme.
        return {
            table: (float(rows), dict(zip(elems, map(float, freqs), strict=False)))
            for table, rows, elems, freqs in cursor.fetchall()
        }


def lexeme_frequencies(
    q: str, models: list[type[Model]], *, vector: str = "search_vector"
) -> dict[str, tuple[float, float]]:
    """For each table (by name) where a lexeme of q is known to be common: (frequency, rows).

    The frequency is the largest fraction of rows whose vector holds one of q's
    lexemes under any configuration (pg_stats.most_common_elems, kept by ANALYZE;
    only frequent lexemes are listed) — a lower bound of how many rows the
    any-configuration query matches. Tables never analyzed, or where no lexeme
    of q is frequent, are left out.
    """
    if is_plain("lexeme_statistics"):
        return _counted_frequencies(q, models, vector=vector)
    statistics = _lexeme_statistics(tuple(m._meta.db_table for m in models), vector)
    if not statistics:
        return {}
    lexemes = " || ".join(f"to_tsvector('{c}'::regconfig, %s)" for c in SEARCH_CONFIGS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tsvector_to_array({lexemes})", [q] * len(SEARCH_CONFIGS))  # noqa: S608 — constants
        words = cursor.fetchone()[0] or []
    found = {}
    for table, (rows, frequencies) in statistics.items():
        freq = max((frequencies.get(word, 0.0) for word in words), default=0.0)
        if freq > 0 and rows > 0:
            found[table] = (freq, rows)
    return found


def _counted_frequencies(
    q: str, models: list[type[Model]], *, vector: str
) -> dict[str, tuple[float, float]]:
    """The plain path: the fraction of rows the any-configuration query matches, counted."""
    found = {}
    for model in models:
        counts = model._default_manager.aggregate(
            rows=Count("pk"), matching=Count("pk", filter=index_matches(q, vector=vector))
        )
        if counts["matching"] and counts["rows"]:
            found[model._meta.db_table] = (
                counts["matching"] / counts["rows"],
                float(counts["rows"]),
            )
    return found
