"""Load generator for `make bench`, run in its own process so that it does not
share an interpreter (or a GIL) with the servers it measures.

Reads a JSON job on stdin: {"servers": {label: base_url}, "pages": [{"name",
"paths": {label: path or [paths]}, "first_byte"?}], "seconds", "max_requests",
"concurrency", "warmup"} and prints {label: {page: figures}}: request count,
errors, p50/p95/mean latency (ms), requests per second, response size in bytes
(mean and largest) and what the page cache said (the X-Page-Cache header: hit,
miss or off). A page is measured on the servers its "paths" name (a page that
exists on some databases only is measured there alone).

Each page gets `warmup` requests on every server (not measured), then is measured
on the servers in turn, in one order and then the reverse (A, B, C, D, then D, C,
B, A; half the time each), by `concurrency` clients sending requests back to back
until the time is up or `max_requests` were sent: bounded either way.

A page whose path is a list of paths (distinct searches) is a rotation: the clients
take the next path from a counter they share, per server, warm-up included, so no
path is asked twice until the list runs out (a page cache cannot serve them; the
figures say how many requests repeated a path). With "first_byte" the latency is
the time to the first byte of the body and the rest is not read (an export that
streams every row: its length grows with the archive by design). Loopback only.
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


class Rotation:
    """The paths of one page on one server, handed out in turn to every client."""

    def __init__(self, paths: str | list[str]):
        self.paths = [paths] if isinstance(paths, str) else list(paths)
        self.sent = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            path = self.paths[self.sent % len(self.paths)]
            self.sent += 1
            return path

    @property
    def repeated(self) -> int:
        """Requests that asked a path already asked (0 for a single fixed path: n/a)."""
        return max(0, self.sent - len(self.paths)) if len(self.paths) > 1 else 0


def cache_verdict(response: httpx.Response) -> str:
    return response.headers.get("X-Page-Cache", "none").strip().lower() or "none"


def fetch(client: httpx.Client, path: str, *, first_byte: bool) -> tuple[int, int, str]:
    """(status, body bytes read, page cache verdict): the whole body, as a browser
    reads it, or with `first_byte` only the first chunk of it."""
    if not first_byte:
        response = client.get(path)
        return response.status_code, len(response.content), cache_verdict(response)
    with client.stream("GET", path) as response:
        chunk = next(response.iter_raw(), b"")
        return response.status_code, len(chunk), cache_verdict(response)


def run_requests(
    base_url: str,
    rotation: Rotation,
    *,
    seconds: float,
    max_requests: int,
    concurrency: int,
    first_byte: bool = False,
) -> dict:
    """Send requests back to back from `concurrency` clients; the raw figures."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    verdicts: dict[str, int] = {}
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
                path = rotation.next()
                t0 = time.perf_counter()
                status, size, verdict = fetch(client, path, first_byte=first_byte)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                    sizes.append(size)
                    verdicts[verdict] = verdicts.get(verdict, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "latencies": latencies,
        "statuses": statuses,
        "sizes": sizes,
        "verdicts": verdicts,
        "wall": time.perf_counter() - started,
    }


def summary(rotation: Rotation, raw: dict, *, first_byte: bool) -> dict:
    latencies, statuses, sizes, wall = raw["latencies"], raw["statuses"], raw["sizes"], raw["wall"]
    ok = statuses.get(200, 0)
    paths = rotation.paths
    figures = {
        "path": paths[0] if len(paths) == 1 else f"{paths[0]} … ({len(paths)} distinct paths)",
        "requests": len(latencies),
        "errors": len(latencies) - ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "rps": round(len(latencies) / wall, 1) if wall else None,
        "bytes": round(statistics.fmean(sizes)) if sizes else 0,
        "bytes_max": max(sizes, default=0),
        "page_cache": dict(sorted(raw["verdicts"].items())),
    }
    if len(paths) > 1:
        figures |= {"distinct_paths": len(paths), "repeated": rotation.repeated}
    if first_byte:
        figures["first_byte"] = True  # latency to the body's first byte; bytes: that chunk
    return figures


def measure_page(servers: dict[str, str], page: dict, job: dict) -> dict[str, dict]:
    """One page on each server that has it, interleaved: in turn, then in reverse order,
    half the time each.

    The machine's load drifts; measuring the servers alternately, in both orders,
    makes their ratios fair even when absolute times wander.
    """
    labels = [label for label in servers if label in page["paths"]]
    first_byte = bool(page.get("first_byte"))
    rotations = {label: Rotation(page["paths"][label]) for label in labels}
    for label in labels:
        with httpx.Client(base_url=servers[label], timeout=60) as client:
            for _ in range(job["warmup"]):
                fetch(client, rotations[label].next(), first_byte=first_byte)
    raw = {
        label: {"latencies": [], "statuses": {}, "sizes": [], "verdicts": {}, "wall": 0.0}
        for label in labels
    }
    for order in (labels, labels[::-1]):
        for label in order:
            cap = job["max_requests"] // 2
            distinct = len(rotations[label].paths)
            if distinct > 1:  # never past the end of the list: no path asked twice
                cap = min(cap, max(1, (distinct - job["warmup"]) // 2))
            half = run_requests(
                servers[label],
                rotations[label],
                seconds=job["seconds"] / 2,
                max_requests=cap,
                concurrency=job["concurrency"],
                first_byte=first_byte,
            )
            total = raw[label]
            total["latencies"] += half["latencies"]
            total["sizes"] += half["sizes"]
            total["wall"] += half["wall"]
            for key in ("statuses", "verdicts"):
                for code, n in half[key].items():
                    total[key][code] = total[key].get(code, 0) + n
    return {label: summary(rotations[label], raw[label], first_byte=first_byte) for label in labels}


def main() -> None:
    job = json.load(sys.stdin)
    for base in job["servers"].values():
        host = urlsplit(base).hostname
        if host not in {"127.0.0.1", "::1", "localhost"}:
            sys.exit(f"refusing to load {host}: the benchmark talks to loopback only")
    results: dict[str, dict] = {label: {} for label in job["servers"]}
    for page in job["pages"]:
        measured = measure_page(job["servers"], page, job)
        line = []
        for label, figures in measured.items():
            results[label][page["name"]] = figures
            line.append(f"{label} {figures['p50_ms']:>7.1f}")
        print(f"  {page['name']:<26} p50 ms: " + "  ".join(line), file=sys.stderr, flush=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
