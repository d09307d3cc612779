from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from dealtracker.ops.backup import BackupError, backup_write, conninfo


class Command(BaseCommand):
    help = (
        "Write a consistent, versioned backup of the whole database (pg_dump custom format "
        "plus a manifest of row counts) to one .tar file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="File or directory to write (default: dealtracker-backup-<UTC time>.tar here).",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, output, database, **options):
        name = f"dealtracker-backup-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.tar"
        path = Path(output) if output else Path(name)
        if path.is_dir():
            path = path / name
        try:
            manifest = backup_write(path, info=conninfo(connections[database].settings_dict))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {path}: {len(manifest.tables)} tables, {rows} rows "
                f"(format {manifest.data['format']} v{manifest.data['version']})."
            )
        )
