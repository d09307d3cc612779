"""`manage.py import_archive FILE`: an archive written by export_archive, into this
instance (format and rules: dealtracker/ops/archive.py)."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dealtracker.interchange.source_archive import numbered_lines
from dealtracker.ops.archive import ArchiveError, import_lines, max_line_bytes


class Command(BaseCommand):
    help = (
        "Import an archive written by export_archive. Rows already here (by slug, reference, "
        "SHA-256 or stable id) are left as they are, so importing twice changes nothing. "
        "All in one transaction: a bad line stops the import with its line number and "
        "leaves the database as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive (JSON Lines), as export_archive writes it")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: str, no_progress: bool, **options):
        try:
            stream = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        with stream:
            bar = tqdm(
                total=os.fstat(stream.fileno()).st_size,
                unit="B",
                unit_scale=True,
                desc="import",
                file=sys.stderr,
                disable=no_progress,
            )
            counts = {"new": 0, "present": 0}

            def row_done(label: str, created: bool) -> None:
                counts["new" if created else "present"] += 1
                if (counts["new"] + counts["present"]) % 100 == 0:
                    bar.set_postfix(counts)

            try:
                summary = import_lines(
                    numbered_lines(stream, on_bytes=bar.update, max_bytes=max_line_bytes()),
                    on_row=row_done,
                )
            except ArchiveError as exc:
                raise CommandError(f"{file}: {exc} — nothing was imported.") from None
            finally:
                bar.close()
        self.stdout.write(
            f"{summary.rows_created:,} rows imported, {summary.rows_present:,} already here "
            f"and left as they were; {summary.history:,} history records, "
            f"{summary.files:,} original files."
        )
        for label in sorted(set(summary.created) | set(summary.present)):
            self.stdout.write(
                f"  {label:<28} {summary.created.get(label, 0):>9,} new"
                f" {summary.present.get(label, 0):>9,} already here"
            )
