"""Load generator for `make bench`, run in its own process so that it does not
share an interpreter (or a GIL) with the server it measures.

Reads a JSON job on stdin: {"servers": {label: base_url}, "pages": [{"name",
"paths": {label: path}}], "seconds", "max_requests", "concurrency", "warmup"} and
prints {label: {page: figures}}: request count, errors, p50/p95/mean latency (ms)
and requests per second. Each page gets `warmup` requests on every server (not
measured), then is measured on the servers alternately (A, B, then B, A; half
the time each) by `concurrency` clients sending requests back to back until the
time is up or `max_requests` were sent: bounded either way. Loopback only.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

import httpx


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation, as numpy's default."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def run_requests(
    base_url: str, path: str, *, seconds: float, max_requests: int, concurrency: int
) -> tuple[list[float], dict[int, int], list[int], float]:
    """Send requests back to back from `concurrency` clients; (latencies, statuses, sizes, wall)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    lock = threading.Lock()
    sent = 0
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal sent
        with httpx.Client(base_url=base_url, timeout=60) as client:
            while True:
                with lock:
                    # At least two requests per client even when the machine is
                    # so busy that the time is up before the threads start.
                    late = time.perf_counter() >= deadline and sent >= 2 * concurrency
                    if sent >= max_requests or late:
                        return
                    sent += 1
                t0 = time.perf_counter()
                response = client.get(path)
                body = response.content  # read it all, as a browser would
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    sizes.append(len(body))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, sizes, time.perf_counter() - started


def summary(
    path: str, latencies: list[float], statuses: dict[int, int], sizes: list[int], wall: float
) -> dict:
    ok = statuses.get(200, 0)
    return {
        "path": path,
        "requests": len(latencies),
        "errors": len(latencies) - ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "rps": round(len(latencies) / wall, 1) if wall else None,
        "bytes": round(statistics.fmean(sizes)) if sizes else 0,
    }


def measure_pair(servers: dict[str, str], paths: dict[str, str], job: dict) -> dict[str, dict]:
    """One page on every server, interleaved: A then B, then B then A, half the time each.

    The machine's load drifts; measuring the servers alternately, in both orders,
    makes their ratio fair even when absolute times wander.
    """
    labels = list(servers)
    for label in labels:
        with httpx.Client(base_url=servers[label], timeout=60) as client:
            for _ in range(job["warmup"]):
                client.get(paths[label])
    raw = {label: ([], {}, [], 0.0) for label in labels}
    for order in (labels, labels[::-1]):
        for label in order:
            lat, st, sz, wall = run_requests(
                servers[label],
                paths[label],
                seconds=job["seconds"] / 2,
                max_requests=job["max_requests"] // 2,
                concurrency=job["concurrency"],
            )
            lats, sts, szs, walls = raw[label]
            lats.extend(lat)
            szs.extend(sz)
            for code, n in st.items():
                sts[code] = sts.get(code, 0) + n
            raw[label] = (lats, sts, szs, walls + wall)
    return {label: summary(paths[label], *raw[label]) for label in labels}


def main() -> None:
    job = json.load(sys.stdin)
    for base in job["servers"].values():
        host = urlsplit(base).hostname
        if host not in {"127.0.0.1", "::1", "localhost"}:
            sys.exit(f"refusing to load {host}: the benchmark talks to loopback only")
    results: dict[str, dict] = {label: {} for label in job["servers"]}
    for page in job["pages"]:
        measured = measure_pair(job["servers"], page["paths"], job)
        line = []
        for label, figures in measured.items():
            results[label][page["name"]] = figures
            line.append(f"{label} {figures['p50_ms']:>7.1f}")
        print(f"  {page['name']:<18} p50 ms: " + "  ".join(line), file=sys.stderr, flush=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
