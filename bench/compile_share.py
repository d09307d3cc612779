"""How much of a cold page is Django compiling SQL: `python bench/compile_share.py [PAGE …]`.

Renders each page in-process (Django's test client, public visitor, page cache off)
against DATABASE_URL, with the production settings `make bench` serves (SECRET_KEY and
DEBUG as for the server), after a warm-up and with the collector frozen as the workers
freeze it, and prints per page the minimum, 10th percentile and median time of N
renders (env N, default 30), the median time spent in SQLCompiler.as_sql (top level:
a subquery's compiling counts in its query's) and in executing queries, and the
number of queries. PAGE: names from PAGES below (default: all). Run it on the code
before and after a change in alternating rounds (a `git worktree` of the old commit):
the machine moves a page's time by ±15 % between rounds, the time spent compiling
far less. Used for the statements compiled once (dealtracker/db/statements.py).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))
# bench_settings: the site's settings plus the baseline page /bench/trivial/.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
os.environ.setdefault("BENCH_STATIC_ROOT", tempfile.gettempdir())
os.environ.setdefault("PUBLIC_READ", "true")
os.environ.setdefault("PAGE_CACHE", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("STATIC_PLAIN", "true")  # no manifest needed to render in-process

import django  # noqa: E402

django.setup()

import probe  # noqa: E402  (bench/probe.py: the demo's deal, clause, party …)
from django.db.backends import utils  # noqa: E402
from django.db.models.sql import compiler  # noqa: E402
from django.test import Client  # noqa: E402

_spent = {"compile": 0.0, "execute": 0.0, "queries": 0}
_depth = [0]
_as_sql = compiler.SQLCompiler.as_sql
_execute = utils.CursorWrapper._execute


def _timed_as_sql(self, *args, **kwargs):
    if _depth[0]:
        return _as_sql(self, *args, **kwargs)
    _depth[0] += 1
    start = time.perf_counter()
    try:
        return _as_sql(self, *args, **kwargs)
    finally:
        _spent["compile"] += time.perf_counter() - start
        _depth[0] -= 1


def _timed_execute(self, *args, **kwargs):
    start = time.perf_counter()
    try:
        return _execute(self, *args, **kwargs)
    finally:
        _spent["execute"] += time.perf_counter() - start
        _spent["queries"] += 1


def pages() -> dict[str, str]:
    t = probe.targets()
    deal = t["deal"]
    return {
        "home": "/",
        "deals": "/deals/",
        "deal": f"/deals/{deal}/",
        "phase": f"/deals/{deal}/phases/{t['phase']}/",
        "clause": f"/deals/{deal}/clauses/{t['clause']}/",
        "parties": "/parties/",
        "party": f"/parties/{t['party']}/",
        "slipping": "/slipping/",
        "claim": f"/claims/{t['claim']}/",
        "claims": "/claims/",
        "claims-filtered": f"/claims/?deal={deal}&kind=compliance",
        "source": f"/sources/{t['source']}/",
        "sources": "/sources/",
        "search-common": "/search/?q=ceasefire",
        "search-rare": "/search/?q=neutral+Palestinian-led+body",
        "csv-filtered": f"/claims.csv?deal={deal}&kind=compliance",
        "deal-json": f"/deals/{deal}.json",
        "feed-deal": f"/deals/{deal}/feed.atom",
        "api-claims": "/api/v1/claims/",
        "trivial": "/bench/trivial/",
    }


def _render(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def main() -> None:
    chosen = pages()
    unknown = set(sys.argv[1:]) - set(chosen)
    if unknown:
        raise SystemExit(f"unknown pages {sorted(unknown)}; choose among {sorted(chosen)}")
    if sys.argv[1:]:
        chosen = {name: path for name, path in chosen.items() if name in sys.argv[1:]}
    compiler.SQLCompiler.as_sql = _timed_as_sql  # type: ignore[method-assign]
    utils.CursorWrapper._execute = _timed_execute  # type: ignore[method-assign]
    client = Client()
    for path in chosen.values():
        for _ in range(8):  # imports, templates, prepared statements, compiled statements
            _render(client, path)
    gc.collect()
    gc.freeze()
    runs = int(os.environ.get("N", "30"))
    print(f"{'page':16} {'min':>6} {'p10':>6} {'median':>6} {'compile':>7} {'execute':>7} {'q':>3}")
    for name, path in chosen.items():
        times, compiling, executing = [], [], []
        for _ in range(runs):
            _spent.update(compile=0.0, execute=0.0, queries=0)
            start = time.perf_counter()
            _render(client, path)
            times.append(time.perf_counter() - start)
            compiling.append(_spent["compile"])
            executing.append(_spent["execute"])
        times.sort()
        print(
            f"{name:16} {times[0] * 1e3:6.2f} {times[runs // 10] * 1e3:6.2f}"
            f" {statistics.median(times) * 1e3:6.2f} {statistics.median(compiling) * 1e3:7.2f}"
            f" {statistics.median(executing) * 1e3:7.2f} {_spent['queries']:3}"
        )


if __name__ == "__main__":
    main()
