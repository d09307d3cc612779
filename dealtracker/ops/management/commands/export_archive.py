"""`manage.py export_archive [-o FILE]`: everything the desk holds, as one archive
(format: dealtracker/ops/archive.py) that import_archive reads into another instance."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dealtracker.ops.archive import ArchiveError, export_lines, row_counts, snapshot


class Command(BaseCommand):
    help = (
        "Export the whole desk — parties, deals, phases, clauses, sources with every revision "
        "and their original files, passages, claims, evidence, assessments, agreement texts, "
        "suggestions, and the change history of each — as JSON Lines, from one consistent "
        "snapshot. import_archive reads it into another instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, output: str | None, no_progress: bool, **options):
        # Written beside the target and renamed at the end: a failed export leaves no
        # half-written archive under the name asked for.
        partial = f"{output}.partial" if output else None
        try:
            out = open(partial, "w", encoding="utf-8") if partial else None  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        rows = [0]

        def row_done(label: str) -> None:
            rows[0] += 1
            bar.update(1)

        try:
            with snapshot():
                counts = row_counts()
                bar = tqdm(
                    total=sum(counts.values()),
                    unit=" rows",
                    desc="export",
                    file=sys.stderr,
                    disable=no_progress,
                )
                try:
                    for line in export_lines(on_row=row_done):
                        if out is not None:
                            out.write(line + "\n")
                        else:
                            self.stdout.write(line)
                finally:
                    bar.close()
            if out is not None:
                out.close()
                os.replace(partial, output)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # the disk filled up, the folder went away, ...
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        finally:
            if out is not None and not out.closed:
                out.close()
            if partial and os.path.exists(partial):
                os.unlink(partial)
        if output:
            kinds = sum(1 for n in counts.values() if n)
            self.stderr.write(f"{rows[0]:,} rows of {kinds} kinds written to {output}.")
