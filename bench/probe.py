"""In-process measurements for `make bench`, against the database in DATABASE_URL.

    probe.py targets          what to measure (JSON): the demo deal's clause, claim, source,
                              phase and party; values of the sources list's filters; the
                              words and rare phrases the distinct searches rotate through
                              (all from the demo, so the same on every database); and the
                              deal with the most claims with its busiest clause
    probe.py queries FILE     SQL queries each page runs (reader and public), FILE: [{name, path}]
    probe.py reanchor         seconds to re-anchor the long report's 500 passages after
                              a one-word correction (the 50 KB generated source)

Run by bench/run.py with the same production settings as the server.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DEMO_DEAL = "gaza-ceasefire-2025"

# The query bounds the test suite asserts for each page on small data, by who
# asks: tests/desk/test_pages_queries.py (BOUND = 20, reader: home, deals, deal, phase,
# clause, claim, parties, party), test_records.py (RECORD_BOUND = 20: slipping and its
# feed), test_source_detail.py (12 reader, 6 public), test_sources_in.py (10: the sources
# list), test_search.py (12 a phrase, 16 one common word, each plus the one query
# checking that PostgreSQL accepts the text), test_claim_list.py (14, 16 unfiltered),
# test_exports.py (20 for the CSV, 14 a deal's JSON, 6 a deal's feed),
# test_annotations.py (6 a page of annotations), test_bench_baseline.py (1, public).
# `make bench` checks the same bounds on the large database; keep this table in
# step with those tests. Rows without a bound here (the claims feed, the annotations
# collection) have no bound in the tests either: their counts are reported, not judged.
QUERY_BOUNDS = {
    "home": {"reader": 20},
    "deals": {"reader": 20},
    "deal": {"reader": 20},
    "phase": {"reader": 20},
    "clause": {"reader": 20},
    "parties": {"reader": 20},
    "party": {"reader": 20},
    "slipping": {"reader": 20},
    "claim": {"reader": 20},
    "claims": {"reader": 16},
    "claims filtered": {"reader": 14},
    "claims page 50": {"reader": 14},
    "source": {"reader": 12, "public": 6},
    "sources": {"reader": 10},
    "sources kind": {"reader": 10},
    "sources language": {"reader": 10},
    "sources outlet": {"reader": 10},
    "sources search distinct": {"reader": 10},
    "search common": {"reader": 17},
    "search rare": {"reader": 13},
    "search distinct": {"reader": 17},
    "search rare distinct": {"reader": 13},
    "export csv filtered": {"reader": 20},
    "export deal json": {"reader": 14},
    "export annotations p0": {"reader": 6},
    "feed deal": {"public": 6},
    "feed slipping": {"reader": 20},
    "trivial": {"public": 1},
    # The largest deal's pages: as the deal, claims-list and clause pages.
    "deal largest": {"reader": 20},
    "deal largest claims": {"reader": 14},
    "deal largest clause": {"reader": 20},
    # The read API (tests/api/test_queries.py; a session reader costs one query more
    # than a token holder, and here the content version is read too).
    "api deals": {"reader": 16, "public": 12},
    "api phases": {"reader": 16, "public": 12},
    "api clauses": {"reader": 16, "public": 12},
    "api parties": {"reader": 16, "public": 12},
    "api claims": {"reader": 16, "public": 12},
    "api claims filtered": {"reader": 16, "public": 12},
    "api claims page 50": {"reader": 16, "public": 12},
    "api claims search distinct": {"reader": 16, "public": 12},
    "api assessments": {"reader": 16, "public": 12},
    "api sources": {"reader": 16, "public": 12},
    "api sources search distinct": {"reader": 16, "public": 12},
    "api claim": {"reader": 14, "public": 10},
}


def targets() -> dict:
    from dealtracker.claims.models import Claim
    from dealtracker.deals.models import Deal
    from dealtracker.sources.models import Source
    from devdata.synthetic import LONG_REPORT_URL, SYNTHETIC_URL_PREFIX

    deal = Deal.objects.get(slug=DEMO_DEAL)
    clause = (
        deal.clauses.annotate(n=Count("claims")).order_by("-n", "position", "reference").first()
    )
    claim = (
        Claim.objects.filter(deal=deal, is_published=True)
        .annotate(n=Count("evidence"))
        .order_by("-n", "id")
        .first()
    )
    source = (
        Source.objects.exclude(url__startswith=SYNTHETIC_URL_PREFIX)
        .filter(passages__evidence__claim__deal=deal)
        .annotate(n=Count("passages", distinct=True))
        .order_by("-n", "id")
        .first()
    )
    long_report = Source.objects.filter(url=LONG_REPORT_URL).values_list("pk", flat=True).first()
    phase = deal.phases.annotate(n=Count("clauses")).order_by("-n", "order").first()
    party = (
        Claim.subjects.through.objects.filter(claim__deal=deal)
        .values_list("party__slug", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", "party__slug")
        .first()
    )
    largest = (
        Deal.objects.annotate(n=Count("claims", filter=Q(claims__is_published=True)))
        .order_by("-n", "slug")
        .first()
    )
    largest_clause = (
        largest.clauses.annotate(n=Count("claims")).order_by("-n", "position", "reference").first()
    )
    demo_sources = Source.objects.exclude(url__startswith=SYNTHETIC_URL_PREFIX)
    return {
        "deal": deal.slug,
        "clause": clause.reference,
        "claim": claim.pk,
        "source": source.pk,
        "long_report": long_report,
        "phase": phase.order,
        "party": party,
        "source_filters": source_filters(demo_sources),
        "words": search_words(),
        "phrases": rare_phrases(),
        "largest_deal": {
            "slug": largest.slug,
            "published_claims": largest.n,
            "clause": largest_clause.reference,
            "clause_claims": largest_clause.n,
        },
    }


def _most_common(rows, field: str, *, avoid: str = "") -> str:
    counted = rows.exclude(**{field: ""}).values_list(field, flat=True).annotate(n=Count("id"))
    ranked = [v for v in counted.order_by("-n", field) if v != avoid]
    return ranked[0] if ranked else avoid


def source_filters(demo_sources) -> dict[str, str]:
    """A kind, a language and an outlet of the demo's sources (so on every database),
    each the most common one, avoiding the default kind and language where the demo has
    another: a filter that keeps nearly every row measures little."""
    return {
        "kind": _most_common(demo_sources, "kind", avoid="news_report"),
        "language": _most_common(demo_sources, "language", avoid="en"),
        "outlet": _most_common(demo_sources, "outlet"),
    }


DISTINCT_WORDS = 240
RARE_PHRASES = 120

# Words of five letters or more in the demo's English sources that the English
# configuration keeps (no stop words), with the number of sources holding each.
_WORDS_SQL = r"""
SELECT word, count(DISTINCT id) AS sources FROM (
    SELECT s.id, lower(m[1]) AS word
    FROM sources_source s, regexp_matches(s.text, '\m([A-Za-z]{5,})\M', 'g') AS m
    WHERE s.url NOT LIKE %s AND s.language = 'en'
) AS w
WHERE to_tsvector('english', word) <> ''::tsvector
GROUP BY word
ORDER BY sources DESC, word
"""

# Two adjacent words, neither a stop word, that stand together in one demo source only.
_PHRASES_SQL = r"""
SELECT lower(m[1]) || ' ' || lower(m[2]) AS phrase
FROM sources_source s,
     regexp_matches(s.text, '\m([A-Za-z]{4,}) ([A-Za-z]{4,})\M', 'g') AS m
WHERE s.url NOT LIKE %s AND s.language = 'en'
  AND to_tsvector('english', m[1]) <> ''::tsvector
  AND to_tsvector('english', m[2]) <> ''::tsvector
GROUP BY 1
HAVING count(DISTINCT s.id) = 1
ORDER BY 1
"""


def _not_generated() -> str:
    from devdata.synthetic import SYNTHETIC_URL_PREFIX

    return SYNTHETIC_URL_PREFIX + "%"


def _spread(items: list[str], count: int) -> list[str]:
    """`count` items evenly spaced through `items` (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def search_words() -> list[str]:
    """Single words of the demo's sources, from the most to the least common, evenly spread:
    what "search distinct" and "sources search distinct" rotate through."""
    with connection.cursor() as cursor:
        cursor.execute(_WORDS_SQL, [_not_generated()])
        return _spread([row[0] for row in cursor.fetchall()], DISTINCT_WORDS)


def rare_phrases() -> list[str]:
    """Two-word phrases found in one demo source each: "search rare distinct"."""
    with connection.cursor() as cursor:
        cursor.execute(_PHRASES_SQL, [_not_generated()])
        return _spread([row[0] for row in cursor.fetchall()], RARE_PHRASES)


def queries(pages: list[dict]) -> dict:
    from django.contrib.auth import get_user_model

    from dealtracker.accounts.services import user_create

    reader = get_user_model().objects.filter(username="bench-reader").first() or user_create(
        username="bench-reader", password=secrets.token_urlsafe(20), role="reader", validate=False
    )
    as_reader = Client()
    as_reader.force_login(reader)
    public = Client()
    out = {}
    for page in pages:
        bounds = QUERY_BOUNDS.get(page["name"], {})
        row: dict = {"bounds": bounds}
        for who, client in (("reader", as_reader), ("public", public)):
            client.get(page["path"])  # warm caches, as the load run did
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page["path"])
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
            row[who] = len(ctx.captured_queries)
            row[f"{who}_status"] = response.status_code
        row["ok"] = all(row[who] <= bound for who, bound in bounds.items())
        out[page["name"]] = row
    return out


def reanchor_timing() -> dict:
    from dealtracker.sources.anchoring import Anchor, reanchor
    from dealtracker.sources.models import Source
    from devdata.synthetic import LONG_REPORT_URL

    source = Source.objects.get(url=LONG_REPORT_URL)
    anchors = [
        Anchor(start=p.start, end=p.end, quote=p.quote, prefix=p.prefix, suffix=p.suffix)
        for p in source.passages.order_by("start")
    ]
    old = source.text
    # A one-word correction in the middle of the report, inside a word of a passage.
    middle = anchors[len(anchors) // 2]
    words = middle.quote.split(" ")
    word = max(words, key=len)
    at = old.index(word, middle.start)
    # A longer word, as when "Gabe" becomes "Steve": every later passage moves.
    new = old[:at] + word + "s" + old[at + len(word) :]
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        results = reanchor(old, new, anchors)
        runs.append(time.perf_counter() - t0)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "source": source.pk,
        "chars": len(old),
        "passages": len(anchors),
        "corrected_word": word,
        "seconds_median": round(statistics.median(runs), 4),
        "seconds_runs": [round(r, 4) for r in runs],
        "statuses": statuses,
    }


def main() -> None:
    command = sys.argv[1]
    if command == "targets":
        result = targets()
    elif command == "queries":
        result = queries(json.loads(Path(sys.argv[2]).read_text()))
    elif command == "reanchor":
        result = reanchor_timing()
    else:
        sys.exit(f"unknown command {command!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
