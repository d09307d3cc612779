"""Many app servers: one gunicorn against two, sharing Redis and PostgreSQL.

For each setup (one server, then two) the servers start fresh on one database,
each with 2 sync workers and REDIS_URL pointing at one Redis, behind the
loopback round-robin (bench/roundrobin.py, its own process; the one server is
behind it too, so both setups pay the same hop). For `seconds`, readers fetch
the reading pages back to back through it while bench/soak.py's editors write
through it (marking passages, creating and editing claims) — every write
bumps the content version, so the page caches must notice on every server.

Reported per setup: reader requests per second, p50/p95, errors, the soak's
verdict, and cache hit rates:
- per response, when the server says (a response header whose name holds
  "cache", e.g. X-Page-Cache: hit / miss; none: "not reported");
- in Redis: keyspace hits and misses of the run (INFO stats), a private
  redis-server on a free port when the machine has one (else REDIS_URL's
  server, whose figures then include every other client of it).

    python bench/servers.py --database-url postgresql://.../dealtracker_large
    make bench BENCH_ARGS="--servers 2"    # after the other figures, on the large database
"""

# Every subprocess here runs this interpreter on this project's own scripts.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
PY = sys.executable
DEMO_DEAL = "gaza-ceasefire-2025"
READING_PAGES = [
    "/",
    "/deals/",
    f"/deals/{DEMO_DEAL}/",
    "/claims/",
    "/claims/?verification=unverified",
    "/parties/",
    "/search/?q=ceasefire",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited before answering")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not answer {url} within {seconds:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- Redis ---------------------------------------------------------------------------


class Redis:
    """A private redis-server on a free port (nothing kept on disk), or the given URL."""

    def __init__(self, url: str | None):
        self.proc = None
        self.private = False
        if url is None and shutil.which("redis-server"):
            port = free_port()
            self.proc = subprocess.Popen(
                [
                    shutil.which("redis-server"),
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],  # fmt: skip
                stdout=subprocess.DEVNULL,
            )
            url, self.private = f"redis://127.0.0.1:{port}/0", True
        self.url = url or "redis://127.0.0.1:6379/14"
        import redis

        self.client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

    def reset(self) -> None:
        """Empty this database and zero the counters: each setup starts cold."""
        self.client.flushdb()
        if self.private:
            self.client.config_resetstat()

    def stats(self) -> dict[str, int]:
        info = self.client.info("stats")
        return {"hits": info["keyspace_hits"], "misses": info["keyspace_misses"]}

    def close(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


# --- servers ---------------------------------------------------------------------------


def server_env(database_url: str, static_root: str, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a benchmark server: production settings on loopback, public
    reading, the page cache on unless PAGE_CACHE says otherwise (bench/run.py adds its own)."""
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.setdefault("PAGE_CACHE", "true")
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(BASE_DIR)]),
        BENCH_STATIC_ROOT=static_root,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        PUBLIC_READ="true",
        LOG_LEVEL="ERROR",
    )
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


# A worker is replaced after this many requests (give or take the jitter, so that the
# workers do not all restart at once), as README's deployment runs them: what a worker
# keeps after heavy requests (Python's arenas, fragmented) never adds up past that.
MAX_REQUESTS = 1000
MAX_REQUESTS_JITTER = 100


def gunicorn_argv(port: int) -> list[str]:
    """The benchmark's app server on loopback: gunicorn, 2 sync workers, as a deployment runs it."""
    return [
        PY, "-m", "gunicorn", "dealtracker.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--worker-class", "sync",
        "--timeout", "120", "--log-level", "warning",
        "--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", str(MAX_REQUESTS_JITTER),
    ]  # fmt: skip


def start_setup(count: int, env: dict[str, str]) -> tuple[list[subprocess.Popen], str]:
    """`count` gunicorns (2 sync workers each) behind the round-robin; (processes, base URL)."""
    procs, backends = [], []
    for _ in range(count):
        port = free_port()
        gunicorn = subprocess.Popen(
            gunicorn_argv(port),
            env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
            cwd=BASE_DIR,
        )
        procs.append(gunicorn)
        _wait_http(f"http://127.0.0.1:{port}/healthz", gunicorn, "gunicorn")
        backends.append(f"127.0.0.1:{port}")
    port = free_port()
    proxy = subprocess.Popen(
        [PY, str(BENCH_DIR / "roundrobin.py"), str(port), *backends],
        stdout=subprocess.DEVNULL,
    )
    procs.append(proxy)
    base = f"http://127.0.0.1:{port}"
    _wait_http(f"{base}/healthz", proxy, "the round-robin")
    return procs, base


# --- readers ---------------------------------------------------------------------------


def _cache_verdict(headers: httpx.Headers) -> str | None:
    """hit / miss when the answer says so in a header named like X-Page-Cache."""
    for name, value in headers.items():
        if "cache" in name.lower() and name.lower() != "cache-control":
            word = value.strip().lower()
            if word.startswith(("hit", "miss")):
                return word[:4].rstrip()
    return None


def read_load(base: str, *, seconds: float, concurrency: int) -> dict:
    """`concurrency` anonymous readers fetching READING_PAGES in turn, back to back."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    verdicts: Counter = Counter()
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def reader(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            i = offset
            while time.monotonic() < until:
                path = READING_PAGES[i % len(READING_PAGES)]
                i += 1
                t0 = time.perf_counter()
                try:
                    response = client.get(path)
                    status, verdict = response.status_code, _cache_verdict(response.headers)
                except httpx.HTTPError:
                    status, verdict = "transport error", None
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1
                    if verdict:
                        verdicts[verdict] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=reader, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    ordered = sorted(latencies)
    answered = sum(v for k, v in verdicts.items())
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "errors": sum(v for k, v in statuses.items() if k == "transport error" or k >= 500),
        "page_cache_hit_rate": round(verdicts["hit"] / answered, 3) if answered else None,
    }


def run_setup(count: int, env: dict, redis: Redis, database_url: str, args) -> dict:
    redis.reset()
    procs, base = start_setup(count, env)
    try:
        for path in READING_PAGES:  # one warm-up pass: every page once
            httpx.get(base + path, timeout=60)
        before = redis.stats()
        soak = subprocess.Popen(
            [
                PY,
                str(BENCH_DIR / "soak.py"),
                "--base-url",
                base,
                "--database-url",
                database_url,
                "--seconds",
                str(args.servers_seconds),
                "--readers",
                "0",
                "--editors",
                str(args.servers_editors),
            ],  # fmt: skip
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        readers = read_load(
            base, seconds=args.servers_seconds, concurrency=args.servers_concurrency
        )
        soak_out, _ = soak.communicate(timeout=args.servers_seconds + 300)
        after = redis.stats()
    finally:
        for proc in procs:
            _stop(proc)
    hits, misses = after["hits"] - before["hits"], after["misses"] - before["misses"]
    writes = [line for line in soak_out.splitlines() if line.startswith(("writes", "soak:"))]
    return {
        "servers": count,
        "workers_per_server": 2,
        "readers": readers,
        "redis": {
            "url": redis.url if not redis.private else "private redis-server",
            "hits": hits,
            "misses": misses,
            "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
        },
        "soak_exit_status": soak.returncode,
        "soak": writes,
    }


def compare(database_url: str, static_root: str, args) -> dict:
    """One server, then `args.servers`, on the same database; figures for both."""
    redis = Redis(os.environ.get("REDIS_URL") if args.shared_redis else None)
    env = server_env(database_url, static_root, redis.url)
    try:
        results = []
        for count in sorted({1, args.servers}):
            log(
                f"Many servers: {count} gunicorn(s) × 2 workers, readers and editors for {args.servers_seconds:.0f} s"
            )
            results.append(run_setup(count, env, redis, database_url, args))
    finally:
        redis.close()
    return {"setups": results, "pages": READING_PAGES, "concurrency": args.servers_concurrency}


def print_summary(report: dict) -> None:
    print()
    print(f"{'setup':<12} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} "
          f"{'page hits':>9} {'redis hits':>10}  soak")  # fmt: skip
    for setup in report["setups"]:
        r, redis = setup["readers"], setup["redis"]
        page = "n/a" if r["page_cache_hit_rate"] is None else f"{r['page_cache_hit_rate']:.0%}"
        kept = "n/a" if redis["hit_rate"] is None else f"{redis['hit_rate']:.0%}"
        verdict = "OK" if setup["soak_exit_status"] == 0 else "FAILED"
        label = f"{setup['servers']} server" + ("s" if setup["servers"] > 1 else "")
        print(f"{label:<12} {r['rps']:>7} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['errors']:>6} "
              f"{page:>9} {kept:>10}  {verdict}")  # fmt: skip
    print(
        "page hits: from a response header when the server sends one (n/a: it does not); "
        "redis hits: keyspace hits / (hits + misses) in Redis during the run."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--servers", type=int, default=1, help="also measure N app servers behind a round-robin"
    )
    parser.add_argument(
        "--servers-seconds", dest="servers_seconds", type=float, default=30.0,
        help="seconds of reading and editing per setup (--servers)",
    )  # fmt: skip
    parser.add_argument("--servers-concurrency", dest="servers_concurrency", type=int, default=4)
    parser.add_argument("--servers-editors", dest="servers_editors", type=int, default=2)
    parser.add_argument(
        "--shared-redis", action="store_true",
        help="use REDIS_URL's server instead of a private redis-server",
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a migrated database with the demo")
    parser.add_argument("--output", default=str(BASE_DIR / "bench-servers.json"))
    add_arguments(parser)
    args = parser.parse_args()
    args.servers = max(args.servers, 2)
    static_root = tempfile.mkdtemp(prefix="dealtracker-servers-")
    try:
        static = str(Path(static_root) / "static")
        env = server_env(args.database_url, static, "redis://127.0.0.1:6379/14")
        subprocess.run(
            [PY, str(BASE_DIR / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
            env=env,
            cwd=BASE_DIR,
            check=True,
        )
        report = compare(args.database_url, static, args)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print_summary(report)
    Path(args.output).write_text(json.dumps(report, indent=2))
    print(f"figures written to {args.output}")
    return (
        1 if any(s["soak_exit_status"] or s["readers"]["errors"] for s in report["setups"]) else 0
    )


if __name__ == "__main__":
    sys.exit(main())
