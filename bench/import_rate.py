"""`make bench-import`: how many reports a second `import_sources` loads into the
large archive of `make bench`.

1. The large database as `make bench` prepares it (generated once, then reused), on
   DATABASE_URL's server as <name>_large, or in the embedded PostgreSQL of
   .pgdata-bench/ when DATABASE_URL is unset.
2. A corpus of --reports reports (default 10,000) in the archive format: the
   archive's own sources exported, each made new (its text opened with a marker,
   its URL given a query string, its passages' offsets and its references to other
   sources moved to match), so that none is a duplicate and their claims name the
   archive's own parties, deals and clauses.
3. A copy of the large database (CREATE DATABASE ... TEMPLATE) and the corpus
   imported into it by import_lines in one process, timed: reports a second, the
   CPU of that process and of the database server (read from /proc: the server
   runs on this machine; every process of it, so the figure includes what other
   clients of the server do meanwhile), and what the database grew by per report. The copy is
   dropped at the end; --keep keeps it.

The figure depends on the machine's load: run it on a quiet machine, and more than
once (--runs).
"""

# Every subprocess here runs this interpreter on this project's own scripts.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import run  # bench/run.py: databases and the large archive

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def make_corpus(path: str, reports: int, tag: str) -> None:
    """Write `reports` lines of the archive's sources, each made new (see the module)."""
    from dealtracker.interchange.source_archive import export_lines
    from dealtracker.sources.canonical import text_hash

    marker = f"[{tag}] "
    moved_hash: dict[str, str] = {}
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for raw in export_lines():
            data = json.loads(raw)
            if not data["url"].startswith(run.SYNTHETIC_URL_PREFIX):
                continue  # the demo's few reports: the generated ones are the archive
            old = text_hash(data["text"])
            data["text"] = marker + data["text"]
            moved_hash[old] = text_hash(data["text"])
            data["url"] += f"?copy={tag}"
            for p in data["passages"]:
                p["start"] += len(marker)
                p["end"] += len(marker)
            for claim in data["claims"]:
                for e in claim["evidence"]:
                    if "source" not in e:
                        continue
                    ref = e["source"]
                    if ref.startswith("sha256:"):
                        e["source"] = "sha256:" + moved_hash.get(ref[7:], ref[7:])
                    else:
                        e["source"] = f"{ref}?copy={tag}"
                    e["start"] += len(marker)
                    e["end"] += len(marker)
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            written += 1
            if written == reports:
                break


def import_corpus(path: str) -> dict:
    """Import the corpus into this process's database; the figures."""
    from django.db import connection

    from dealtracker.interchange.source_archive import import_lines, numbered_lines

    with connection.cursor() as cursor:
        # The copy was written through the WAL: flush it, so the import is not
        # measured together with the copy's checkpoint.
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_backend_pid(), pg_database_size(current_database())")
        backend, size_before = cursor.fetchone()

    def stat(pid: int | str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    server = int(stat(backend)[1])  # the postmaster, parent of every backend

    def backend_cpu() -> float:
        """The CPU of the whole server: its live processes (this connection's backend,
        the import's writing connection's, the WAL writer...) and, through the
        postmaster's children's time, those that have exited."""
        ticks = sum(int(f) for f in stat(server)[13:15])
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = stat(entry.name)
                except OSError:
                    continue  # gone meanwhile
                if fields[1] == str(server):
                    ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    cpu0, backend0, t0 = own_cpu(), backend_cpu(), time.perf_counter()
    with open(path, "rb") as stream:
        summary = import_lines(numbered_lines(stream))
    seconds = time.perf_counter() - t0
    cpu, db_cpu = own_cpu() - cpu0, backend_cpu() - backend0
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_database_size(current_database())")
        size_after = cursor.fetchone()[0]
    return {
        "imported": summary.imported,
        "passages": summary.passages,
        "claims": summary.claims,
        "bad": summary.bad,
        "skipped": summary.skipped,
        "seconds": round(seconds, 2),
        "reports_per_second": round(summary.imported / seconds),
        "python_cpu_seconds": round(cpu, 1),
        "database_cpu_seconds": round(db_cpu, 1),
        "kb_per_report": round((size_after - size_before) / 1024 / max(summary.imported, 1), 1),
    }


def child(url: str, *args: str) -> str:
    # Production settings, as import_sources runs on a server (DEBUG keeps every query).
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("ALLOWED_HOSTS", "localhost")
    out = subprocess.run(
        [PY, __file__, *args],
        env=env,
        cwd=BASE_DIR,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return out.stdout


def copy_database(admin_url: str, template: str, name: str) -> None:
    drop_database(admin_url, name)
    with psycopg.connect(run.with_database(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(run.with_database(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="imports, each into a fresh copy")
    parser.add_argument("--scale", type=float, default=1.0, help="of the large archive")
    parser.add_argument("--keep", action="store_true", help="keep the last copy")
    parser.add_argument("--corpus", help=argparse.SUPPRESS)  # child: write the corpus here
    parser.add_argument("--import", dest="import_", help=argparse.SUPPRESS)  # child
    args = parser.parse_args()

    if args.corpus:
        _django(os.environ["DATABASE_URL"])
        make_corpus(args.corpus, args.reports, "bench-import")
        return 0
    if args.import_:
        _django(os.environ["DATABASE_URL"])
        print(json.dumps(import_corpus(args.import_)))
        return 0

    admin_url, small, large = run.bench_databases()
    os.environ["DATABASE_URL"] = small
    run.prepare(admin_url, small, large, args.scale)
    copy = run.with_database(large, run.database_name(large) + "_import")
    with tempfile.TemporaryDirectory(prefix="dealtracker-import-") as tmp:
        corpus = str(Path(tmp) / "corpus.jsonl")
        run.log(f"Corpus: {args.reports:,} reports from {run.database_name(large)}")
        child(large, "--reports", str(args.reports), "--corpus", corpus)
        results = []
        for i in range(args.runs):
            copy_database(admin_url, run.database_name(large), run.database_name(copy))
            run.log(f"Import {i + 1}/{args.runs} into {run.database_name(copy)}")
            figures = json.loads(child(copy, "--import", corpus))
            results.append(figures)
            print(
                f"{figures['imported']:,} reports ({figures['passages']:,} passages, "
                f"{figures['claims']:,} claims) in {figures['seconds']} s: "
                f"{figures['reports_per_second']} reports/s; CPU: Python "
                f"{figures['python_cpu_seconds']} s, database {figures['database_cpu_seconds']} s; "
                f"{figures['kb_per_report']} KB per report"
            )
            if figures["bad"] or figures["skipped"]:
                run.log(f"  {figures['bad']} bad lines, {figures['skipped']} skipped")
        if not args.keep:
            drop_database(admin_url, run.database_name(copy))
    best = max(r["reports_per_second"] for r in results)
    print(f"best of {len(results)}: {best} reports/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
