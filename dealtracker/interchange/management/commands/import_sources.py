"""`manage.py import_sources FILE.jsonl`: bring in an archive of sources with their
passages and claims (format: dealtracker/interchange/source_archive.py)."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dealtracker.interchange.source_archive import BATCH_SIZE, import_lines, numbered_lines


class Command(BaseCommand):
    help = (
        "Import sources (one JSON object per line: metadata, text, passages, claims). "
        "Sources already present by URL or text are skipped; bad lines are reported "
        "with their number and skipped; every batch is committed as it completes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON Lines file, as export_sources writes it")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="lines per transaction"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: str, batch_size: int, no_progress: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            stream = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        with stream:
            size = os.fstat(stream.fileno()).st_size
            bar = tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc="import",
                file=sys.stderr,
                disable=no_progress,
            )

            def bad(number: int, reason: str) -> None:
                message = f"line {number}: {reason}"
                if no_progress:
                    self.stderr.write(message)
                else:
                    bar.write(message, file=sys.stderr)

            def batch_done(number: int, summary) -> None:
                bar.set_postfix(imported=summary.imported, skipped=summary.skipped, bad=summary.bad)

            try:
                summary = import_lines(
                    numbered_lines(stream, on_bytes=bar.update),
                    batch_size=batch_size,
                    on_bad=bad,
                    on_batch=batch_done,
                )
            finally:
                bar.close()
        self.stdout.write(
            f"{summary.imported:,} sources imported ({summary.passages:,} passages, "
            f"{summary.claims:,} claims), {summary.skipped:,} skipped as already present, "
            f"{summary.bad:,} bad lines."
        )
