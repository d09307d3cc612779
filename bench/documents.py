"""Time reading a large PDF as an upload is read (child process, default limits).

    .venv/bin/python bench/documents.py [PAGES]

Writes a PDF of PAGES dense pages (reportlab, a dev dependency) with a running
header and page numbers, reads it twice, prints the seconds and what was read.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dealtracker.sources.documents import Limits, extract_document  # noqa: E402
from tests import documents as files  # noqa: E402

LINES = [
    "The parties agree that humanitarian aid enters the Strip each day, with fuel for",
    "hospitals, bakeries and water wells, under the mediators' supervision and the",
    "monitoring of the United Nations agencies present in Gaza.",
]


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    data = files.pdf_report(
        [[LINES] * 12] * pages, header="Monitoring report — January 2025", title="Large report"
    )
    print(f"{pages} pages, {len(data):,} bytes")
    for run in (1, 2):
        started = time.perf_counter()
        document = extract_document(data, "pdf", limits=Limits())
        print(
            f"run {run}: {time.perf_counter() - started:.2f} s, {len(document.text):,} characters, "
            f"{len(document.page_starts)} page starts"
        )


if __name__ == "__main__":
    main()
