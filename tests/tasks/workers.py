"""Real workers for the tests: `manage.py runworker` in a subprocess, on the test database.

Tests that use one need `transactional_db`: the worker is another process and sees
only committed rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from dealtracker.launcher import BASE_DIR

# Fast enough for a test to see a killed worker's job taken up again in seconds.
HEARTBEAT_SECONDS = 1
STALLED_SECONDS = 2


def worker_env(**extra: str) -> dict[str, str]:
    """This process's environment, pointed at the test database and documents folder,
    with `extra` settings of the worker's own."""
    url = urlsplit(os.environ["DATABASE_URL"])
    database = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    documents = settings.STORAGES["documents"]
    return {
        **os.environ,
        "DATABASE_URL": database,
        "TASKS_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "TASKS_STALLED_SECONDS": str(STALLED_SECONDS),
        "DOCUMENT_STORAGE_BACKEND": documents["BACKEND"],
        "DOCUMENT_STORAGE_OPTIONS": json.dumps(documents.get("OPTIONS", {})),
        "ENV_FILE": "",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_worker(log: Path, **env: str) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
            [
                sys.executable,
                str(BASE_DIR / "manage.py"),
                "runworker",
                "--import",
                "tests.tasks.slow_work",
            ],
            cwd=BASE_DIR,
            env=worker_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@contextlib.contextmanager
def running_worker(log: Path, **env: str) -> Iterator[subprocess.Popen]:
    worker = start_worker(log, **env)
    try:
        yield worker
    finally:
        stop_worker(worker)


def wait_for(check: Callable[[], object], *, seconds: float, what: str, log: Path | None = None):
    """check()'s first true value within `seconds`, else fail saying what was awaited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    shown = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"waited {seconds}s for {what}\nworker's log:\n{shown}")
