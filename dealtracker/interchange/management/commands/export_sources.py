"""`manage.py export_sources [-o FILE]`: every source with its passages and claims,
one JSON object per line (the format import_sources reads)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dealtracker.interchange.source_archive import export_lines
from dealtracker.sources.models import Source


class Command(BaseCommand):
    help = "Export every source, its passages and the claims resting on them as JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, output: str | None, no_progress: bool, **options):
        total = Source.objects.count()
        bar = tqdm(
            total=total, unit=" sources", desc="export", file=sys.stderr, disable=no_progress
        )
        try:
            out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        n = 0
        try:
            for line in export_lines():
                if out is not None:
                    out.write(line + "\n")
                else:
                    self.stdout.write(line)
                n += 1
                bar.update(1)
        finally:
            bar.close()
            if out is not None:
                out.close()
        if out is not None:
            self.stderr.write(f"{n:,} sources written to {output}.")
