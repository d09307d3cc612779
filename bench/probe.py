"""In-process measurements for `make bench`, against the database in DATABASE_URL.

    probe.py targets          the demo deal's clause, claim and source to measure (JSON)
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
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DEMO_DEAL = "gaza-ceasefire-2025"

# The query bounds the test suite asserts for each page on small data, by who
# asks: tests/desk/test_pages_queries.py (BOUND = 20, reader), test_source_detail.py
# (12 reader, 6 public), test_search.py (12 a phrase, 16 one common word, each plus the
# one query checking that PostgreSQL accepts the text), test_claim_list.py (14),
# test_exports.py (20 for the CSV), test_bench_baseline.py (1, public).
# `make bench` checks the same bounds on the large database; keep this table in
# step with those tests.
QUERY_BOUNDS = {
    "home": {"reader": 20},
    "deal": {"reader": 20},
    "clause": {"reader": 20},
    "claim": {"reader": 20},
    "source": {"reader": 12, "public": 6},
    "claims filtered": {"reader": 14},
    "claims page 50": {"reader": 14},
    "search common": {"reader": 17},
    "search rare": {"reader": 13},
    "csv filtered": {"reader": 20},
    "trivial": {"public": 1},
    # The read API (tests/api/test_queries.py; a session reader costs one query more
    # than a token holder, and here the content version is read too).
    "api deals": {"reader": 16, "public": 12},
    "api clauses": {"reader": 16, "public": 12},
    "api parties": {"reader": 16, "public": 12},
    "api claims": {"reader": 16, "public": 12},
    "api claims filtered": {"reader": 16, "public": 12},
    "api claims page 50": {"reader": 16, "public": 12},
    "api assessments": {"reader": 16, "public": 12},
    "api sources": {"reader": 16, "public": 12},
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
    return {
        "deal": deal.slug,
        "clause": clause.reference,
        "claim": claim.pk,
        "source": source.pk,
        "long_report": long_report,
    }


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
