"""Load generator for `make bench`, run in its own process so that it does not
share an interpreter (or a GIL) with the server it measures.

Reads a JSON job on stdin: {"base_url", "targets": [{"name", "path"}], "seconds",
"max_requests", "concurrency", "warmup"} and prints one JSON object with, per
target, the request count, errors, p50/p95/mean latency (ms) and requests per
second. Every target gets `warmup` requests first (not measured), then
`concurrency` keep-alive clients send requests back to back until `seconds`
have passed or `max_requests` were sent: bounded either way. Loopback only.
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


def measure(
    base_url: str, path: str, *, seconds: float, max_requests: int, concurrency: int, warmup: int
) -> dict:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for _ in range(warmup):
            client.get(path)
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
                    if sent >= max_requests or time.perf_counter() >= deadline:
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
    wall = time.perf_counter() - started
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


def main() -> None:
    job = json.load(sys.stdin)
    host = urlsplit(job["base_url"]).hostname
    if host not in {"127.0.0.1", "::1", "localhost"}:
        sys.exit(f"refusing to load {host}: the benchmark talks to loopback only")
    results = {}
    for target in job["targets"]:
        results[target["name"]] = measure(
            job["base_url"],
            target["path"],
            seconds=job["seconds"],
            max_requests=job["max_requests"],
            concurrency=job["concurrency"],
            warmup=job["warmup"],
        )
        print(
            f"  {target['name']:<24} {results[target['name']]['p50_ms']:>8.1f} ms p50",
            file=sys.stderr,
        )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
