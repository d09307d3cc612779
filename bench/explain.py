"""Which SQL makes a page slow: `python bench/explain.py PATH [--reader]`.

Renders PATH in-process (Django's test client, public visitor unless --reader)
against DATABASE_URL, prints every query with its time, then EXPLAIN ANALYZE
of the slowest three. Used to find what `make bench` reports as slow.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
os.environ.setdefault("PUBLIC_READ", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("STATIC_PLAIN", "true")  # no manifest needed to render in-process

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    path = sys.argv[1]
    client = Client()
    if "--reader" in sys.argv:
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username="bench-reader"))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        total = time.perf_counter() - t0
    print(f"{path}: {response.status_code}, {total * 1000:.0f} ms, {len(ctx)} queries")
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:160]}")
    for q in queries[:3]:
        print("\n" + "=" * 80 + f"\n{q['sql']}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
