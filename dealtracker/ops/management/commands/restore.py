from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from dealtracker.ops.backup import BackupError, backup_restore, conninfo


class Command(BaseCommand):
    help = (
        "Load a backup written by `manage.py backup` into the configured database, which "
        "must be new and empty; then check every table's row count against the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The .tar file `manage.py backup` wrote.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, backup, database, **options):
        path = Path(backup)
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        connections[database].close()
        try:
            manifest = backup_restore(path, info=conninfo(connections[database].settings_dict))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(manifest.tables)} tables, {rows} rows, from the backup of "
                f"{manifest.data['created_at']}; every table's row count checked."
            )
        )
