"""`manage.py backup` and `manage.py restore`: the round trip gives back every row."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from dealtracker.ops.backup import BackupError, backup_read_manifest, backup_restore, conninfo

from .world import build_world

ROOT = Path(__file__).resolve().parents[2]


def _url(info: dict) -> str:
    auth = quote(info.get("user", "postgres"))
    if info.get("password"):
        auth += ":" + quote(info["password"])
    host = info.get("host", "")
    port = info.get("port", "")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{quote(info['dbname'])}?host={quote(host)}" + (
            f"&port={port}" if port else ""
        )
    return f"postgresql://{auth}@{host or '127.0.0.1'}:{port or 5432}/{quote(info['dbname'])}"


def _every_row(info: dict) -> dict[str, list[str]]:
    rows = {}
    with psycopg.connect(**info, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(
                sql.SQL("SELECT t::text FROM {} t ORDER BY 1").format(sql.Identifier(table))
            )
            rows[table] = [r[0] for r in cursor.fetchall()]
    return rows


@pytest.fixture
def empty_database():
    info = conninfo(connection.settings_dict)
    name = f"{info['dbname']}_restored"
    admin = {**info, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield {**info, "dbname": name}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
    editor, tmp_path, empty_database
):
    build_world(by=editor)
    path = tmp_path / "backup.tar"
    call_command("backup", str(path), verbosity=0)

    manifest = backup_read_manifest(path)
    assert manifest.data["version"] == 1
    assert manifest.tables["claims_claim"] == 2
    assert manifest.tables["claims_historicalclaim"] >= 2
    assert "claims" in manifest.data["migrations"]
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == ["database.dump", "manifest.json"]

    # The restore runs as an operator would run it: the command, against the new database.
    env = {**os.environ, "DATABASE_URL": _url(empty_database)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "restore", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every table's row count checked" in result.stdout

    original = _every_row(conninfo(connection.settings_dict))
    restored = _every_row(empty_database)
    assert set(restored) == set(original)
    for table, rows in original.items():
        assert restored[table] == rows, table
    # Search vectors and triggers came back too: a new claim gets its vector.
    with psycopg.connect(**empty_database, autocommit=True) as conn:
        vector = conn.execute(
            "SELECT search_vector IS NOT NULL FROM claims_claim ORDER BY id LIMIT 1"
        ).fetchone()
        assert vector == (True,)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(editor, tmp_path):
    path = tmp_path / "backup.tar"
    call_command("backup", str(path), verbosity=0)
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path, info=conninfo(connection.settings_dict))


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as tar:
        readme = tmp_path / "README"
        readme.write_text("hello")
        tar.add(readme, arcname="README")
    with pytest.raises(CommandError):
        call_command("restore", str(path))
