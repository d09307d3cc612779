"""`manage.py generate_archive --scale N`: fill the database with a large synthetic archive."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devdata.synthetic import counts_for_scale, generate


class Command(BaseCommand):
    help = (
        "Generate a realistic synthetic archive (at --scale 1: 200 deals, 2,000 parties, "
        "20,000 clauses, 50,000 sources, 250,000 passages, 200,000 claims). The demo deal "
        "and all existing rows are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1 = full size; 0.01 for a quick test"
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--full-pages",
            action="store_true",
            help="at least 60 deals and 60 parties: every list's first page full at any scale",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(
        self, *args, scale: float, seed: int, full_pages: bool, no_progress: bool, **options
    ):
        if scale <= 0:
            raise CommandError("--scale must be positive")
        counts = counts_for_scale(scale, full_pages=full_pages)
        self.stdout.write(
            "Generating " + ", ".join(f"{n:,} {name}" for name, n in counts.items()) + " …"
        )

        def progress(table: str, total: int):
            if no_progress:
                return None
            return tqdm(total=total, desc=f"{table:<30}", unit=" rows", file=sys.stderr, leave=True)

        try:
            report = generate(scale=scale, seed=seed, full_pages=full_pages, progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for table, n in report["rows"].items():
            self.stdout.write(f"{table:<30} {n:>9,} rows  {report['seconds'][table]:>7.1f} s")
        for step in ("foreign keys", "search indexes", "vacuum, analyze"):
            self.stdout.write(f"{step:<30} {'':>14}  {report['seconds'][step]:>7.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Done in {report['total_seconds']} s."))
