"""`make bench`: how fast the pages are on a small and on a large database.

1. Databases: "small" (migrate + loaddemo) and "large" (the same plus
   `generate_archive --scale 1`, about 1.3 GB; generated once, then reused while
   its generated source count matches the scale). With DATABASE_URL set, both
   live on that server as <name>_small and <name>_large; without it, an embedded
   PostgreSQL is started in .pgdata-bench/ (stopped at the end).
2. For each database: collectstatic into a temporary STATIC_ROOT, gunicorn with
   production settings (DEBUG off, whitenoise, 2 sync workers) on a free
   loopback port; both servers run at once and the load generator
   (bench/load.py, another process) measures every page on both, alternately
   (small, large, then large, small) so that drifting machine load does not
   skew their ratio: warm-up, then a fixed time per page with 2 concurrent
   clients. The RSS of every gunicorn process is sampled throughout.
   The page cache is on, as in production (dealtracker/desk/fragments.py: the
   home, deal, clause, claims-list and search bodies are kept per content version, so
   the warm-up fills it); --no-page-cache measures every page rendered afresh.
3. Against the large database: the SQL query count of every page (bench/probe.py,
   Django's test client in-process) checked against the bounds the tests assert,
   and the re-anchoring target (re-anchor a 50 KB / 500-passage source after a
   one-word correction vs. 100 reloads of its page).
4. One table on stdout, every figure in bench-results.json. Exit status 1 when
   a target is missed.

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
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil
import psycopg
import servers  # bench/servers.py, beside this script

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
PY = sys.executable
SYNTHETIC_URL_PREFIX = "https://archive.example.org/"
DEMO_DEAL = "gaza-ceasefire-2025"

# Ratios that must hold, all measured in one run (absolute times vary between machines).
TARGET_LARGE_OVER_SMALL = 1.5
TARGET_OVER_TRIVIAL = 10.0
TARGET_SEARCH_OVER_TRIVIAL = 15.0
TARGET_DEAL_RPS_SHARE = 0.20
TARGET_RSS_MB = 200
TARGET_REANCHOR_SHARE = 0.05
RELOADS = 100


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
    log(f"Small database {database_name(small)}: migrate + loaddemo")
    ensure_database(admin_url, small)
    manage(small, "migrate", "--no-input", "-v", "0")
    manage(small, "loaddemo", quiet=True)
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


def start_server(url: str, static_root: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = server_env(url, static_root, port)
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


def page_targets(base: str, t: dict) -> tuple[list[dict], dict]:
    deal = t["deal"]
    deep_path, deep_reached = follow_next(base, "/claims/", 50)
    api_deep_path, api_deep_reached = follow_api_next(base, "/api/v1/claims/", 50)
    with httpx.Client(base_url=base, timeout=30) as client:
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', client.get("/").text)
    pages = [
        {"name": "home", "path": "/"},
        {"name": "deal", "path": f"/deals/{deal}/"},
        {"name": "clause", "path": f"/deals/{deal}/clauses/{t['clause']}/"},
        {"name": "claim", "path": f"/claims/{t['claim']}/"},
        {"name": "source", "path": f"/sources/{t['source']}/"},
        {"name": "claims filtered", "path": f"/claims/?deal={deal}&kind=compliance"},
        {"name": "claims page 50", "path": deep_path},
        {"name": "search common", "path": "/search/?q=ceasefire"},
        {"name": "search rare", "path": "/search/?q=neutral+Palestinian-led+body"},
        {"name": "csv filtered", "path": f"/claims.csv?deal={deal}&kind=compliance"},
        {"name": "trivial", "path": "/bench/trivial/"},
        # The read API's lists (JSON, 50 items a page, claims with their evidence).
        {"name": "api deals", "path": "/api/v1/deals/"},
        {"name": "api clauses", "path": f"/api/v1/clauses/?deal={deal}"},
        {"name": "api parties", "path": "/api/v1/parties/"},
        {"name": "api claims", "path": "/api/v1/claims/"},
        {"name": "api claims filtered", "path": f"/api/v1/claims/?deal={deal}&kind=compliance"},
        {"name": "api claims page 50", "path": api_deep_path},
        {"name": "api assessments", "path": "/api/v1/assessments/"},
        {"name": "api sources", "path": "/api/v1/sources/"},
        {"name": "api claim", "path": f"/api/v1/claims/{t['claim']}/"},
    ]
    if css:
        pages.append({"name": "static css", "path": css.group(1)})
    return pages, {
        "claims_pages_followed": deep_reached,
        "api_claims_pages_followed": api_deep_reached,
    }


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


def load(servers: dict[str, str], pages: list[dict], args) -> dict:
    job = {
        "servers": servers,
        "pages": pages,
        "seconds": args.seconds,
        "max_requests": args.max_requests,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
    }
    out = subprocess.run(
        [PY, str(BENCH_DIR / "load.py")], input=json.dumps(job), capture_output=True, text=True
    )
    sys.stderr.write(out.stderr)
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


def run_all(urls: dict[str, str], static_root: str, args) -> dict:
    """Both servers up at once; every page measured on both, interleaved."""
    results: dict[str, dict] = {label: {} for label in urls}
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    samplers: dict[str, RssSampler] = {}
    try:
        for label, url in urls.items():
            results[label]["targets"] = probe(url, "targets", static_root=static_root)
            log(f"Serving {label} ({database_name(url)}) with gunicorn, 2 sync workers")
            servers[label] = start_server(url, static_root)
            samplers[label] = RssSampler(servers[label][0].pid)
            samplers[label].start()
        page_lists = {}
        for label, (_, base) in servers.items():
            pages, notes = page_targets(base, results[label]["targets"])
            results[label].update(notes, pages=pages)
            page_lists[label] = {p["name"]: p["path"] for p in pages}
        names = [n for n in page_lists["small"] if all(n in pl for pl in page_lists.values())]
        log("Measuring (p50 of each page on both databases, interleaved):")
        measured = load(
            {label: base for label, (_, base) in servers.items()},
            [
                {"name": n, "paths": {label: pl[n] for label, pl in page_lists.items()}}
                for n in names
            ],
            args,
        )
        for label in urls:
            results[label]["load"] = measured[label]
        large, (_, large_base) = results["large"], servers["large"]
        if large["targets"].get("long_report"):
            path = f"/sources/{large['targets']['long_report']}/"
            large["reload_long_report"] = {
                "path": path,
                "times": RELOADS,
                "seconds": round(reload_seconds(large_base, path, RELOADS), 3),
            }
        if args.soak and (BENCH_DIR / "soak.py").exists():
            log("Running bench/soak.py against the large server")
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
        for proc, _ in servers.values():
            stop_server(proc)
    for label, url in urls.items():
        results[label]["memory"] = samplers[label].report()
        pages_file = Path(static_root).parent / f"pages-{label}.json"
        pages_file.write_text(
            json.dumps([p for p in results[label]["pages"] if p["name"] != "static css"])
        )
        results[label]["queries"] = probe(url, "queries", str(pages_file), static_root=static_root)
    if results["large"]["targets"].get("long_report"):
        results["large"]["reanchor"] = probe(urls["large"], "reanchor", static_root=static_root)
    return results


# --- verdicts and the table ------------------------------------------------------------


def verdicts(small: dict, large: dict) -> tuple[list[dict], list[str]]:
    rows, misses = [], []
    trivial = large["load"]["trivial"]
    for name, big in large["load"].items():
        little = small["load"].get(name, {})
        ratio = big["p50_ms"] / little["p50_ms"] if little.get("p50_ms") else None
        over_trivial = big["p50_ms"] / trivial["p50_ms"] if trivial["p50_ms"] else None
        if not big["requests"] or not little.get("requests") or not trivial["requests"]:
            misses.append(f"{name}: not measured (no requests completed)")
        limit = TARGET_SEARCH_OVER_TRIVIAL if name.startswith("search") else TARGET_OVER_TRIVIAL
        problems = []
        if name not in {"trivial", "static css"}:
            if ratio is not None and ratio > TARGET_LARGE_OVER_SMALL:
                problems.append(f"large/small {ratio:.2f} > {TARGET_LARGE_OVER_SMALL}")
            if over_trivial is not None and over_trivial > limit:
                problems.append(f"{over_trivial:.1f}x trivial > {limit:g}")
        if big["errors"] or little.get("errors"):
            problems.append(f"errors: small {little.get('statuses')} large {big['statuses']}")
        if name == "deal" and big["rps"] < TARGET_DEAL_RPS_SHARE * trivial["rps"]:
            problems.append(
                f"rps {big['rps']} < {TARGET_DEAL_RPS_SHARE:.0%} of trivial's {trivial['rps']}"
            )
        q = large["queries"].get(name)
        if q and not q["ok"]:
            over = [
                f"{who} {q[who]} > {bound}" for who, bound in q["bounds"].items() if q[who] > bound
            ]
            problems.append("queries " + ", ".join(over))
        rows.append(
            {
                "page": name,
                "small": little,
                "large": big,
                "large_over_small": round(ratio, 2) if ratio else None,
                "over_trivial": round(over_trivial, 2) if over_trivial else None,
                "queries_large": q,
                "ok": not problems,
                "problems": problems,
            }
        )
        misses += [f"{name}: {p}" for p in problems]
    for label, run in (("small", small), ("large", large)):
        for proc in run["memory"]:
            if proc["after_mb"] > TARGET_RSS_MB or proc["peak_mb"] > TARGET_RSS_MB:
                misses.append(
                    f"{label} server {proc['role']} {proc['pid']}: {proc['peak_mb']} MB peak"
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


def print_table(rows: list[dict], small: dict, large: dict, misses: list[str]) -> None:
    head = (
        f"{'page':<16} {'small p50':>9} {'p95':>7} {'rps':>6} | {'large p50':>9} {'p95':>7} "
        f"{'rps':>6} | {'L/S':>5} {'xtriv':>6} {'SQL r/p':>7} ok"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        s, b, q = r["small"], r["large"], r["queries_large"]
        sql = f"{q['reader']}/{q['public']}" if q else "-"
        print(
            f"{r['page']:<16} {s.get('p50_ms', float('nan')):>9.1f} {s.get('p95_ms', float('nan')):>7.1f} "
            f"{s.get('rps', 0):>6.1f} | {b['p50_ms']:>9.1f} {b['p95_ms']:>7.1f} {b['rps']:>6.1f} | "
            f"{(r['large_over_small'] or 0):>5.2f} {(r['over_trivial'] or 0):>6.2f} {sql:>7} "
            f"{'yes' if r['ok'] else 'NO'}"
        )
    print("(p50/p95 in ms; rps with 2 concurrent clients; L/S = large p50 / small p50;")
    print(" xtriv = large p50 / trivial p50; SQL r/p = queries on the large DB as reader / public,")
    print(" checked against the bounds the tests assert: bench/probe.py QUERY_BOUNDS)")
    for label, run in (("small", small), ("large", large)):
        mem = ", ".join(
            f"{p['role']} {p['peak_mb']:.0f} MB peak / {p['after_mb']:.0f} after"
            for p in run["memory"]
        )
        print(f"server memory ({label}): {mem}")
    if "reanchor" in large:
        ra, rl = large["reanchor"], large["reload_long_report"]
        print(
            f"re-anchoring {ra['passages']} passages of a {ra['chars'] / 1000:.0f} KB source after a "
            f"one-word correction: {ra['seconds_median'] * 1000:.1f} ms; {RELOADS} reloads of its page: "
            f"{rl['seconds']:.2f} s -> {ra['share_of_reloads']:.1%} (target < 5%)"
        )
    deep_s, deep_l = small["claims_pages_followed"], large["claims_pages_followed"]
    print(
        f"claims list deep page: page {deep_s} (small, all there is) / page {deep_l} (large), by next links"
    )
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))


# --- main ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="generate_archive scale of the large DB"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per page")
    parser.add_argument("--max-requests", type=int, default=3000, help="cap per page")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--output", default=str(BASE_DIR / "bench-results.json"))
    parser.add_argument("--no-soak", dest="soak", action="store_false", help="skip bench/soak.py")
    parser.add_argument(
        "--no-page-cache",
        dest="page_cache",
        action="store_false",
        help="serve with PAGE_CACHE=false: every page rendered for every request (cold figures)",
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
    os.environ["PAGE_CACHE"] = "true" if args.page_cache else "false"
    if args.plain:
        os.environ["DB_PLAIN"] = args.plain

    started = time.perf_counter()
    base_url = os.environ.get("DATABASE_URL")
    if base_url:
        name = database_name(base_url) or "dealtracker"
        small, large = (
            with_database(base_url, f"{name}_small"),
            with_database(base_url, f"{name}_large"),
        )
    else:
        sys.path.insert(0, str(BASE_DIR))
        from dealtracker.launcher import ensure_database_url

        # Claimed for this process; stopped when it exits (dealtracker/launcher.py).
        base_url = ensure_database_url(
            data_dir=BASE_DIR / ".pgdata-bench", purpose="bench/run.py", quiet=False
        )
        log(f"Embedded PostgreSQL in .pgdata-bench/ ({base_url})")
        small, large = (
            with_database(base_url, "bench_small"),
            with_database(base_url, "bench_large"),
        )
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
        results = run_all({"small": small, "large": large}, static, args)
        if args.servers > 1:
            results["large"]["many_servers"] = servers.compare(large, static, args)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    rows, misses = verdicts(results["small"], results["large"])
    print()
    print_table(rows, results["small"], results["large"], misses)
    print(
        "page cache: "
        + (
            "on (home, deal, clause, claims list, search bodies kept per content version; "
            "--no-page-cache for figures without it)"
            if args.page_cache
            else "off (--no-page-cache: every page rendered for every request)"
        )
    )
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
            "page_cache": args.page_cache,
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
        f"figures written to {args.output} ({report['total_seconds']} s; load average {load_avg[0]:.1f})"
    )
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
