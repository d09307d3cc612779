"""`make bench`: how fast the pages are on a small and on a large database.

1. Databases: "small" (migrate + loaddemo + `generate_archive --scale 0.02
   --full-pages`: 1,000 sources and every list's first page full, as on the large
   one) and "large" (migrate + loaddemo + `generate_archive --scale 1`, about
   1.3 GB). Each is generated once, then reused while its generated source count
   matches its scale. With DATABASE_URL set, both
   live on that server as <name>_small and <name>_large; without it, an embedded
   PostgreSQL is started in .pgdata-bench/ (stopped at the end).
2. For each database and each mode: collectstatic into a temporary STATIC_ROOT,
   gunicorn with production settings (DEBUG off, whitenoise, 2 sync workers) on a
   free loopback port. The modes: "cached", the page cache on as in production
   (dealtracker/desk/fragments.py: the home, deal, clause, claims-list and search
   bodies are kept per content version, so the warm-up fills it), and "cold",
   PAGE_CACHE=false, every page rendered for every request. By default both, so
   four servers run at once (small and large, cached and cold); --cached-only or
   --no-page-cache keeps one mode. The load generator (bench/load.py, another
   process) measures every page on every server in turn, then in the reverse
   order, so that drifting machine load does not skew their ratios: warm-up,
   then a fixed time per page and server with 2 concurrent clients. The RSS of
   every gunicorn process is sampled throughout.
3. The pages: every reading page and every list or search of the URL map (home,
   deals, deal, phase, clause, parties, party, slipping, claim, the claims list
   unfiltered, filtered and deep, a source, the sources list unfiltered, by kind,
   language and outlet), the site search, the exports and feeds ("export …",
   "feed …"), the read API's lists ("api …") and the trivial baseline view. The
   "… distinct" searches take a different word (or rare two-word phrase) for every
   request, from a list of the demo's words that both databases hold, so a page
   cache cannot serve them. "deal largest …" are the deal with the most claims,
   its claims list and its busiest clause: on the large database only, with no
   small twin, held to the trivial-view ratio and a size bound.
4. The targets, per mode, as ratios measured in one run (TARGETS): cached, every
   page within 10x the trivial view's p50 on the same server, every search within
   15x, large/small within 1.5; cold, 5x, 8x and 1.25. A search is any row whose
   name says "search"; every other row, exports, feeds and the API included, is a
   page. The largest deal's pages also stay under 600 KB.
5. Against the large database: the SQL query count of every page (bench/probe.py,
   Django's test client in-process, rendered afresh) checked against the bounds the
   tests assert, and the re-anchoring target (re-anchor a 50 KB / 500-passage source
   after a one-word correction vs. 100 reloads of its page).
6. One table per mode on stdout, every figure in bench-results.json. Exit status 1
   when a target is missed.

If bench/soak.py exists it is run last against the large server
(`--base-url URL --database-url URL`); --no-soak skips it.

With --servers N (N > 1), bench/servers.py then compares one gunicorn with N behind a
loopback round-robin on the large database, sharing Redis, readers and editors at once.
"""

# Every subprocess here runs this interpreter on this project's own scripts.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import psutil
import psycopg
import servers  # bench/servers.py, beside this script

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
PY = sys.executable
SYNTHETIC_URL_PREFIX = "https://archive.example.org/"
DEMO_DEAL = "gaza-ceasefire-2025"

# Ratios that must hold, all measured in one run (absolute times vary between machines),
# for each mode: pages over the trivial view's p50 (measured on the same server), searches
# over it, and large over small. A search is any row whose name says "search" (the site
# search, the sources list's ?q=, the API's ?q=); every other row is a page: the lists,
# the exports ("export …"), the feeds ("feed …") and the read API ("api …") alike.
TARGETS = {
    "cached": {"over_trivial": 10.0, "search_over_trivial": 15.0, "large_over_small": 1.5},
    "cold": {"over_trivial": 5.0, "search_over_trivial": 8.0, "large_over_small": 1.25},
}
MODES = ("cached", "cold")
# The largest deal's pages (large database only): a bounded size, as well as the time.
TARGET_LARGEST_DEAL_BYTES = 600_000
TARGET_DEAL_RPS_SHARE = 0.20
TARGET_RSS_MB = 200
TARGET_REANCHOR_SHARE = 0.05
# Rows held to no ratio: the baseline itself and a static file.
UNRATED = {"trivial", "static css"}
# Rows whose SQL is not counted: a static file, and the unfiltered CSV (every claim; its
# query count with many rows is asserted by tests/desk/test_exports.py).
NO_QUERY_COUNT = {"static css", "export csv all, 1st byte"}
RELOADS = 100
# The small database: the demo plus an archive a fiftieth of scale 1 (1,000 sources, 4,000
# claims) with more deals and parties than a page holds (--full-pages), so that every list
# shows as many rows on it as on the large one and large/small measures the archive's
# size, not how full a page is (the demo alone filled few: 1 deal of a page of 20).
SMALL_SCALE = 0.02


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- databases -------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(admin_url: str, url: str, *, recreate: bool = False) -> None:
    name = database_name(url)
    with psycopg.connect(with_database(admin_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_databases() -> tuple[str, str, str]:
    """The server's URL and the small and large databases' (DATABASE_URL's server,
    or the embedded one in .pgdata-bench/, started for this process)."""
    base_url = os.environ.get("DATABASE_URL")
    if base_url:
        name = database_name(base_url) or "dealtracker"
        return (
            base_url,
            with_database(base_url, f"{name}_small"),
            with_database(base_url, f"{name}_large"),
        )
    sys.path.insert(0, str(BASE_DIR))
    from dealtracker.launcher import ensure_database_url

    # Claimed for this process; stopped when it exits (dealtracker/launcher.py).
    base_url = ensure_database_url(
        data_dir=BASE_DIR / ".pgdata-bench", purpose="bench", quiet=False
    )
    log(f"Embedded PostgreSQL in .pgdata-bench/ ({base_url})")
    return base_url, with_database(base_url, "bench_small"), with_database(base_url, "bench_large")


def generated_sources(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass('sources_source')").fetchone()
        if row[0] is None:
            return 0
        return conn.execute(
            "SELECT count(*) FROM sources_source WHERE url LIKE %s", [SYNTHETIC_URL_PREFIX + "%"]
        ).fetchone()[0]


def expected_generated_sources(scale: float) -> int:
    code = (
        "from devdata.synthetic import expected_source_count;"
        f"print(expected_source_count({scale!r}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealtracker.settings"}
    # The module imports Django models: set Django up in that interpreter first.
    code = "import django;django.setup();" + code
    out = subprocess.run(
        [PY, "-c", code],
        env=env | manage_env_extra(),
        cwd=BASE_DIR,  # devdata/ is imported from the checkout
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def manage_env_extra() -> dict[str, str]:
    # manage.py with DEBUG on needs no secret; the bench never serves with it.
    return {"DEBUG": "true"} if not os.environ.get("SECRET_KEY") else {}


def manage(url: str, *args: str, quiet: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": url, **manage_env_extra()}
    subprocess.run(
        [PY, str(BASE_DIR / "manage.py"), *args],
        env=env,
        check=True,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare(admin_url: str, small: str, large: str, scale: float) -> dict:
    info: dict = {}
    small_expected = expected_generated_sources(SMALL_SCALE)
    have = generated_sources(small) if _exists(admin_url, small) else 0
    if have == small_expected:
        log(f"Small database {database_name(small)}: present, reused")
        manage(small, "migrate", "--no-input", "-v", "0")
    else:
        log(
            f"Small database {database_name(small)}: migrate + loaddemo"
            f" + generate_archive --scale {SMALL_SCALE} --full-pages"
        )
        ensure_database(admin_url, small, recreate=True)
        manage(small, "migrate", "--no-input", "-v", "0")
        manage(small, "loaddemo", quiet=True)
        manage(small, "generate_archive", "--scale", str(SMALL_SCALE), "--full-pages", quiet=True)
    expected = expected_generated_sources(scale)
    have = generated_sources(large) if _exists(admin_url, large) else 0
    if have == expected:
        log(f"Large database {database_name(large)}: archive at scale {scale} present, reused")
        manage(large, "migrate", "--no-input", "-v", "0")
        info["generation"] = "reused"
        return info
    log(
        f"Large database {database_name(large)}: migrate + loaddemo + generate_archive --scale {scale}"
    )
    ensure_database(admin_url, large, recreate=have != 0)
    manage(large, "migrate", "--no-input", "-v", "0")
    manage(large, "loaddemo", quiet=True)
    t0 = time.perf_counter()
    manage(large, "generate_archive", "--scale", str(scale))
    info["generation"] = {"scale": scale, "seconds": round(time.perf_counter() - t0, 1)}
    return info


def _exists(admin_url: str, url: str) -> bool:
    with psycopg.connect(with_database(admin_url, "postgres"), autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
            ).fetchone()
        )


# --- the server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, static_root: str, port: int) -> dict[str, str]:
    env = servers.server_env(url, static_root)
    env.update(
        # The read API's limiter stays on (its cost is measured) but never refuses.
        API_RATE_LIMIT_ANONYMOUS="1000000000",
        API_RATE_LIMIT_TOKEN="1000000000",  # noqa: S106 — a count, not a secret
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    return env


class RssSampler(threading.Thread):
    """Peak and last resident memory of the gunicorn master and each worker."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self.stop = threading.Event()

    def sample(self) -> None:
        try:
            master = psutil.Process(self.pid)
            procs = [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            self.roles.setdefault(p.pid, "master" if p.pid == self.pid else "worker")
            self.peak[p.pid] = max(self.peak.get(p.pid, 0), rss)
            self.last[p.pid] = rss

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)

    def report(self) -> list[dict]:
        return [
            {
                "pid": pid,
                "role": self.roles[pid],
                "peak_mb": round(self.peak[pid] / 2**20, 1),
                "after_mb": round(self.last[pid] / 2**20, 1),
            }
            for pid in sorted(self.peak, key=lambda p: (self.roles[p] != "master", p))
        ]


def start_server(url: str, static_root: str, *, page_cache: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = server_env(url, static_root, port)
    env["PAGE_CACHE"] = "true" if page_cache else "false"
    proc = subprocess.Popen(
        servers.gunicorn_argv(port),
        env=env,
        cwd=BASE_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # up to 30 s
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before answering")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- pages -----------------------------------------------------------------------

_NEXT = re.compile(r'<a\b[^>]*\brel="next"[^>]*\bhref="([^"]+)"')


def follow_next(base: str, path: str, pages: int) -> tuple[str, int]:
    """The path of the `pages`-th page reached by following rel=next links (or the last one)."""
    reached = 1
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(pages - 1):
            match = _NEXT.search(client.get(path).text)
            if not match:
                break
            href = html.unescape(match.group(1))
            path = href if href.startswith("/") else "/claims/" + href
            reached += 1
    return path, reached


def follow_api_next(base: str, path: str, pages: int) -> tuple[str, int]:
    """The path of the read API's `pages`-th page, following each answer's `next`."""
    reached = 1
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(pages - 1):
            following = client.get(path).json().get("next")
            if not following:
                break
            path = following.removeprefix(base)
            reached += 1
    return path, reached


def page_targets(
    base: str, t: dict, *, words: list[str], phrases: list[str]
) -> tuple[list[dict], dict]:
    """The pages measured on one database: [{name, path}], a path being a list of paths
    for the distinct searches (clients take them in turn). `words` and `phrases` come
    from the demo, so they are the same on both databases."""
    deal = t["deal"]
    deep_path, deep_reached = follow_next(base, "/claims/", 50)
    api_deep_path, api_deep_reached = follow_api_next(base, "/api/v1/claims/", 50)
    with httpx.Client(base_url=base, timeout=30) as client:
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', client.get("/").text)
    kind, language, outlet = (t["source_filters"][k] for k in ("kind", "language", "outlet"))
    pages = [
        {"name": "home", "path": "/"},
        {"name": "deals", "path": "/deals/"},
        {"name": "deal", "path": f"/deals/{deal}/"},
        {"name": "phase", "path": f"/deals/{deal}/phases/{t['phase']}/"},
        {"name": "clause", "path": f"/deals/{deal}/clauses/{t['clause']}/"},
        {"name": "parties", "path": "/parties/"},
        {"name": "party", "path": f"/parties/{t['party']}/"},
        {"name": "slipping", "path": "/slipping/"},
        {"name": "claim", "path": f"/claims/{t['claim']}/"},
        {"name": "claims", "path": "/claims/"},
        {"name": "claims filtered", "path": f"/claims/?deal={deal}&kind=compliance"},
        {"name": "claims page 50", "path": deep_path},
        {"name": "source", "path": f"/sources/{t['source']}/"},
        {"name": "sources", "path": "/sources/"},
        {"name": "sources kind", "path": "/sources/?" + urlencode({"kind": kind})},
        {"name": "sources language", "path": "/sources/?" + urlencode({"language": language})},
        {"name": "sources outlet", "path": "/sources/?" + urlencode({"outlet": outlet})},
        {"name": "sources search distinct", "path": [f"/sources/?q={w}" for w in words]},
        {"name": "search common", "path": "/search/?q=ceasefire"},
        {"name": "search rare", "path": "/search/?q=neutral+Palestinian-led+body"},
        {"name": "search distinct", "path": [f"/search/?q={w}" for w in words]},
        {
            "name": "search rare distinct",
            "path": ["/search/?" + urlencode({"q": p}) for p in phrases],
        },
        # The exports and feeds: pages under the pages' targets, each bounded by design.
        {"name": "export csv filtered", "path": f"/claims.csv?deal={deal}&kind=compliance"},
        # The unfiltered CSV is every claim (200,000 rows at scale 1), streamed: its
        # length grows with the archive by design, so what is measured is the time to
        # its first byte (header and first row: the query has run), not the download.
        {"name": "export csv all, 1st byte", "path": "/claims.csv", "first_byte": True},
        {"name": "export deal json", "path": f"/deals/{deal}.json"},
        {"name": "export annotations", "path": "/annotations.jsonld"},
        {"name": "export annotations p0", "path": "/annotations.jsonld?page=0"},
        {"name": "feed claims", "path": "/feeds/claims.atom"},
        {"name": "feed deal", "path": f"/deals/{deal}/feed.atom"},
        {"name": "feed slipping", "path": "/slipping.atom"},
        {"name": "trivial", "path": "/bench/trivial/"},
        # The read API's lists (JSON, 50 items a page, claims with their evidence).
        {"name": "api deals", "path": "/api/v1/deals/"},
        {"name": "api phases", "path": "/api/v1/phases/"},
        {"name": "api clauses", "path": f"/api/v1/clauses/?deal={deal}"},
        {"name": "api parties", "path": "/api/v1/parties/"},
        {"name": "api claims", "path": "/api/v1/claims/"},
        {"name": "api claims filtered", "path": f"/api/v1/claims/?deal={deal}&kind=compliance"},
        {"name": "api claims page 50", "path": api_deep_path},
        {"name": "api claims search distinct", "path": [f"/api/v1/claims/?q={w}" for w in words]},
        {"name": "api assessments", "path": "/api/v1/assessments/"},
        {"name": "api sources", "path": "/api/v1/sources/"},
        {
            "name": "api sources search distinct",
            "path": [f"/api/v1/sources/?q={w}" for w in words],
        },
        {"name": "api claim", "path": f"/api/v1/claims/{t['claim']}/"},
    ]
    if css:
        pages.append({"name": "static css", "path": css.group(1)})
    return pages, {
        "claims_pages_followed": deep_reached,
        "api_claims_pages_followed": api_deep_reached,
    }


def largest_deal_pages(t: dict) -> list[dict]:
    """The deal with the most published claims (on the large database: no small twin)."""
    largest = t["largest_deal"]
    slug = largest["slug"]
    return [
        {"name": "deal largest", "path": f"/deals/{slug}/"},
        {"name": "deal largest claims", "path": f"/claims/?deal={slug}"},
        {"name": "deal largest clause", "path": f"/deals/{slug}/clauses/{largest['clause']}/"},
    ]


def probe(url: str, *args: str, static_root: str) -> dict:
    env = server_env(url, static_root, 0)
    # Query counts are those of a page rendered afresh, never of one served from the cache.
    env["PAGE_CACHE"] = "false"
    out = subprocess.run(
        [PY, str(BENCH_DIR / "probe.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"probe.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def load(bases: dict[str, str], pages: list[dict], args) -> dict:
    job = {
        "servers": bases,
        "pages": pages,
        "seconds": args.seconds,
        "max_requests": args.max_requests,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
    }
    # Its progress (a line a page) goes straight to stderr; its figures come on stdout.
    out = subprocess.run(
        [PY, str(BENCH_DIR / "load.py")],
        input=json.dumps(job),
        stdout=subprocess.PIPE,
        text=True,
    )
    if out.returncode:
        raise SystemExit("load.py failed")
    return json.loads(out.stdout)


def reload_seconds(base: str, path: str, times: int) -> float:
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get(path)
        t0 = time.perf_counter()
        for _ in range(times):
            response = client.get(path)
            response.raise_for_status()
        return time.perf_counter() - t0


def label(db: str, mode: str) -> str:
    """A server's name: its database and whether its page cache is on."""
    return f"{db} {mode}"


def first_path(path: str | list[str]) -> str:
    return path if isinstance(path, str) else path[0]


def run_all(urls: dict[str, str], static_root: str, modes: list[str], args) -> dict:
    """A server per database and mode up at once; every page measured on all, interleaved."""
    results: dict[str, dict] = {db: {"load": {}, "memory": {}} for db in urls}
    running: dict[str, tuple[subprocess.Popen, str]] = {}
    samplers: dict[str, RssSampler] = {}
    try:
        for db, url in urls.items():
            results[db]["targets"] = probe(url, "targets", static_root=static_root)
            for mode in modes:
                state = "on" if mode == "cached" else "off"
                log(f"Serving {db} ({database_name(url)}), page cache {state}: gunicorn, 2 workers")
                running[label(db, mode)] = start_server(
                    url, static_root, page_cache=mode == "cached"
                )
                samplers[label(db, mode)] = RssSampler(running[label(db, mode)][0].pid)
                samplers[label(db, mode)].start()
        # The distinct searches rotate through the demo's words, the same on both databases.
        small_t, large_t = results["small"]["targets"], results["large"]["targets"]
        words = [w for w in small_t["words"] if w in set(large_t["words"])]
        phrases = [p for p in small_t["phrases"] if p in set(large_t["phrases"])]
        page_lists: dict[str, dict[str, dict]] = {}
        for db in urls:
            _, base = running[label(db, modes[0])]
            pages, notes = page_targets(base, results[db]["targets"], words=words, phrases=phrases)
            if db == "large":
                pages += largest_deal_pages(results[db]["targets"])
            results[db].update(notes, pages=pages)
            page_lists[db] = {p["name"]: p for p in pages}
        names = list(page_lists["small"])
        names += [n for n in page_lists["large"] if n not in names]
        log(f"Measuring (p50 of each page on {len(running)} servers, interleaved):")
        measured = load(
            {name: base for name, (_, base) in running.items()},
            [
                {
                    "name": n,
                    "paths": {
                        label(db, mode): page_lists[db][n]["path"]
                        for db in urls
                        for mode in modes
                        if n in page_lists[db]
                    },
                    "first_byte": any(
                        pl.get(n, {}).get("first_byte") for pl in page_lists.values()
                    ),
                }
                for n in names
            ],
            args,
        )
        for db in urls:
            for mode in modes:
                results[db]["load"][mode] = measured[label(db, mode)]
        large = results["large"]
        _, large_base = running[label("large", modes[0])]
        if large["targets"].get("long_report"):
            path = f"/sources/{large['targets']['long_report']}/"
            large["reload_long_report"] = {
                "path": path,
                "times": RELOADS,
                "seconds": round(reload_seconds(large_base, path, RELOADS), 3),
            }
        if args.soak and (BENCH_DIR / "soak.py").exists():
            log(f"Running bench/soak.py against the large server (page cache {modes[0]})")
            soak = subprocess.run(
                [
                    PY,
                    str(BENCH_DIR / "soak.py"),
                    "--base-url",
                    large_base,
                    "--database-url",
                    urls["large"],
                ],
                cwd=BASE_DIR,
                check=False,
            )
            large["soak_exit_status"] = soak.returncode
        for sampler in samplers.values():
            sampler.sample()
    finally:
        for sampler in samplers.values():
            sampler.stop.set()
            sampler.join()
        for proc, _ in running.values():
            stop_server(proc)
    for db, url in urls.items():
        for mode in modes:
            results[db]["memory"][mode] = samplers[label(db, mode)].report()
        pages_file = Path(static_root).parent / f"pages-{db}.json"
        pages_file.write_text(
            json.dumps(
                [
                    # A rotation's queries: those of its first path.
                    {"name": p["name"], "path": first_path(p["path"])}
                    for p in results[db]["pages"]
                    if p["name"] not in NO_QUERY_COUNT
                ]
            )
        )
        results[db]["queries"] = probe(url, "queries", str(pages_file), static_root=static_root)
    if results["large"]["targets"].get("long_report"):
        results["large"]["reanchor"] = probe(urls["large"], "reanchor", static_root=static_root)
    return results


# --- verdicts and the table ------------------------------------------------------------


def is_search(name: str) -> bool:
    return "search" in name


def verdicts(small: dict, large: dict, modes: list[str]) -> tuple[list[dict], list[str]]:
    """One row per page and mode; every target missed, named by mode."""
    rows, misses = [], []
    queries_missed: dict[str, str] = {}
    for name, q in large["queries"].items():
        if q and not q["ok"]:
            over = [
                f"{who} {q[who]} > {bound}" for who, bound in q["bounds"].items() if q[who] > bound
            ]
            queries_missed[name] = "queries " + ", ".join(over)
    for mode in modes:
        t = TARGETS[mode]
        measured = {"small": small["load"][mode], "large": large["load"][mode]}
        trivial = {db: measured[db].get("trivial", {}) for db in measured}
        names = list(measured["large"]) + [
            n for n in measured["small"] if n not in measured["large"]
        ]
        for name in names:
            figures = {db: measured[db][name] for db in measured if name in measured[db]}
            little, big = figures.get("small"), figures.get("large")
            problems = []
            for db, f in figures.items():
                if not f["requests"] or not trivial[db].get("requests"):
                    problems.append(f"not measured on {db} (no requests completed)")
                if f["errors"]:
                    problems.append(f"errors on {db}: {f['statuses']}")
            ratio = (
                big["p50_ms"] / little["p50_ms"] if big and little and little["p50_ms"] else None
            )
            over = {
                db: f["p50_ms"] / trivial[db]["p50_ms"]
                for db, f in figures.items()
                if trivial[db].get("p50_ms")
            }
            limit = t["search_over_trivial"] if is_search(name) else t["over_trivial"]
            if name not in UNRATED:
                if ratio is not None and ratio > t["large_over_small"]:
                    problems.append(f"large/small {ratio:.2f} > {t['large_over_small']}")
                for db, x in over.items():
                    if x > limit:
                        problems.append(f"{db} {x:.1f}x trivial > {limit:g}")
            if name.startswith("deal largest") and big:
                if big["bytes_max"] > TARGET_LARGEST_DEAL_BYTES:
                    problems.append(
                        f"{big['bytes_max'] / 1000:.0f} KB > {TARGET_LARGEST_DEAL_BYTES / 1000:.0f} KB"
                    )
            large_trivial = trivial["large"]
            if name == "deal" and big and big["rps"] < TARGET_DEAL_RPS_SHARE * large_trivial["rps"]:
                problems.append(
                    f"rps {big['rps']} < {TARGET_DEAL_RPS_SHARE:.0%} of trivial's {large_trivial['rps']}"
                )
            misses += [f"{mode}: {name}: {p}" for p in problems]
            if name in queries_missed:
                problems.append(queries_missed[name])
            rows.append(
                {
                    "mode": mode,
                    "page": name,
                    "small": little,
                    "large": big,
                    "large_over_small": round(ratio, 2) if ratio else None,
                    "over_trivial": {db: round(x, 2) for db, x in over.items()},
                    "queries_large": large["queries"].get(name),
                    "ok": not problems,
                    "problems": problems,
                }
            )
    misses += [f"{name}: {problem}" for name, problem in queries_missed.items()]
    for db, run in (("small", small), ("large", large)):
        for mode, processes in run["memory"].items():
            for proc in processes:
                if proc["after_mb"] > TARGET_RSS_MB or proc["peak_mb"] > TARGET_RSS_MB:
                    misses.append(
                        f"{db} {mode} server {proc['role']} {proc['pid']}: {proc['peak_mb']} MB peak"
                    )
    if large.get("soak_exit_status"):
        misses.append(f"bench/soak.py failed (exit status {large['soak_exit_status']})")
    if "reanchor" in large:
        share = large["reanchor"]["seconds_median"] / large["reload_long_report"]["seconds"]
        large["reanchor"]["share_of_reloads"] = round(share, 4)
        if share >= TARGET_REANCHOR_SHARE:
            misses.append(f"re-anchoring takes {share:.1%} of {RELOADS} reloads (target < 5%)")
    else:
        misses.append("re-anchoring not measured: the large database has no long report")
    return rows, misses


def _cell(figures: dict | None, key: str, width: int) -> str:
    if not figures:
        return f"{'-':>{width}}"
    return f"{figures[key]:>{width}.1f}"


def print_table(
    rows: list[dict], small: dict, large: dict, modes: list[str], misses: list[str]
) -> None:
    head = (
        f"{'page':<28} {'small p50':>9} {'p95':>7} {'rps':>6} | {'large p50':>9} {'p95':>7} "
        f"{'rps':>6} | {'L/S':>5} {'xtriv':>6} {'KB':>6} {'SQL r/p':>7} ok"
    )
    for mode in modes:
        t = TARGETS[mode]
        print()
        print(
            f"page cache {'on' if mode == 'cached' else 'off'} ({mode}): targets pages "
            f"<= {t['over_trivial']:g}x trivial, searches <= {t['search_over_trivial']:g}x, "
            f"large/small <= {t['large_over_small']:g}"
        )
        print(head)
        print("-" * len(head))
        for r in (r for r in rows if r["mode"] == mode):
            s, b, q = r["small"], r["large"], r["queries_large"]
            sql = f"{q['reader']}/{q['public']}" if q else "-"
            xtriv = r["over_trivial"].get("large", r["over_trivial"].get("small"))
            shown = b or s
            ratio = f"{r['large_over_small']:>5.2f}" if r["large_over_small"] else f"{'-':>5}"
            xt = f"{xtriv:>6.2f}" if xtriv else f"{'-':>6}"
            print(
                f"{r['page']:<28} {_cell(s, 'p50_ms', 9)} {_cell(s, 'p95_ms', 7)} {_cell(s, 'rps', 6)} | "
                f"{_cell(b, 'p50_ms', 9)} {_cell(b, 'p95_ms', 7)} {_cell(b, 'rps', 6)} | "
                f"{ratio} {xt} {shown['bytes'] / 1000:>6.1f} {sql:>7} {'yes' if r['ok'] else 'NO'}"
            )
    print()
    print("(p50/p95 in ms; rps with 2 concurrent clients; L/S = large p50 / small p50;")
    print(
        " xtriv = large p50 / trivial p50 on the same server (small's when the page is on small only);"
    )
    print(' KB = mean response size on large ("1st byte": the first chunk only);')
    print(" SQL r/p = queries on the large DB as reader / public, rendered afresh, checked")
    print(" against the bounds the tests assert: bench/probe.py QUERY_BOUNDS;")
    print(' "distinct" rows take a new path for every request: a page cache cannot serve them)')
    for db, run in (("small", small), ("large", large)):
        for mode, processes in run["memory"].items():
            mem = ", ".join(
                f"{p['role']} {p['peak_mb']:.0f} MB peak / {p['after_mb']:.0f} after"
                for p in processes
            )
            print(f"server memory ({db}, {mode}): {mem}")
    largest = large["targets"]["largest_deal"]
    print(
        f"deal largest: {largest['slug']} ({largest['published_claims']} published claims; "
        f"clause {largest['clause']}, {largest['clause_claims']} claims), large only; "
        f"pages <= {TARGET_LARGEST_DEAL_BYTES / 1000:.0f} KB"
    )
    if "reanchor" in large:
        ra, rl = large["reanchor"], large["reload_long_report"]
        print(
            f"re-anchoring {ra['passages']} passages of a {ra['chars'] / 1000:.0f} KB source after a "
            f"one-word correction: {ra['seconds_median'] * 1000:.1f} ms; {RELOADS} reloads of its page: "
            f"{rl['seconds']:.2f} s -> {ra['share_of_reloads']:.1%} (target < 5%)"
        )
    deep_s, deep_l = small["claims_pages_followed"], large["claims_pages_followed"]
    print(f"claims list deep page: page {deep_s} (small) / page {deep_l} (large), by next links")
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))


# --- main ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="generate_archive scale of the large DB"
    )
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="measured seconds per page and server"
    )
    parser.add_argument("--max-requests", type=int, default=3000, help="cap per page")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--output", default=str(BASE_DIR / "bench-results.json"))
    parser.add_argument("--no-soak", dest="soak", action="store_false", help="skip bench/soak.py")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--no-page-cache",
        dest="modes",
        action="store_const",
        const=["cold"],
        default=list(MODES),
        help="cold figures only: servers with PAGE_CACHE=false, every page rendered for every"
        " request (by default both: cached and cold servers side by side)",
    )
    cache.add_argument(
        "--cached-only",
        dest="modes",
        action="store_const",
        const=["cached"],
        help="cached figures only: servers with the page cache on, as in production",
    )
    parser.add_argument(
        "--plain",
        nargs="?",
        const="all",
        metavar="NAMES",
        help="serve with DB_PLAIN=NAMES (all when none given): the speed tricks' plain-ORM"
        " paths (dealtracker/db/plain.py), to see what each buys; query bounds are the fast paths'",
    )
    servers.add_arguments(parser)  # --servers N: bench/servers.py after the other figures
    args = parser.parse_args()
    # The measured servers get PAGE_CACHE per mode; this is for --servers N's (on unless cold only).
    os.environ["PAGE_CACHE"] = "false" if args.modes == ["cold"] else "true"
    if args.plain:
        os.environ["DB_PLAIN"] = args.plain

    started = time.perf_counter()
    base_url, small, large = bench_databases()
    # Settings refuse to load without DATABASE_URL; the helper commands get theirs per call.
    os.environ["DATABASE_URL"] = small

    info = prepare(base_url, small, large, args.scale)
    static_root = tempfile.mkdtemp(prefix="dealtracker-bench-")
    try:
        static = str(Path(static_root) / "static")
        env = server_env(small, static, 0)
        subprocess.run(
            [PY, str(BASE_DIR / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
            env=env,
            cwd=BASE_DIR,
            check=True,
        )
        results = run_all({"small": small, "large": large}, static, args.modes, args)
        if args.servers > 1:
            results["large"]["many_servers"] = servers.compare(large, static, args)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    rows, misses = verdicts(results["small"], results["large"], args.modes)
    print_table(rows, results["small"], results["large"], args.modes, misses)
    if args.servers > 1:
        servers.print_summary(results["large"]["many_servers"])
    load_avg = os.getloadavg()
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in load_avg]},
        "settings": {
            "workers": 2,
            "worker_class": "sync",
            "concurrency": args.concurrency,
            "seconds_per_page": args.seconds,
            "scale": args.scale,
            "modes": args.modes,
            "db_plain": os.environ.get("DB_PLAIN", ""),
        },
        "prepare": info,
        "rows": rows,
        "targets_missed": misses,
        **results,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    Path(args.output).write_text(json.dumps(report, indent=2))
    print(
        f"figures written to {args.output}; total time {report['total_seconds']:.0f} s"
        f" (load average {load_avg[0]:.1f})"
    )
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
