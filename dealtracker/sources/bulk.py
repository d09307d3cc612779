"""Adding many sources at once (an archive import): the rows and the history that
source_create and marking passages write, a batch at a time.

`source_build` (services.py, which source_create uses too) checks and cleans one
source without the database (the caller finds duplicates for the whole batch);
`passage_build` anchors a passage on a built source's text; `sources_insert` writes
the built sources, their revision 1 and their passages with one COPY per table, and
a '+' history record for each row, credited to `by` (db/copy_rows.py writes any
model's rows and history that way).

Passage labels are given here (P1, P2, ... in the order the passages come), and
each source is written with its last_passage_number already counted: the
numbering trigger (migration 0007) then finds nothing to update.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from dealtracker.db.copy_rows import history_insert, rows_insert, unsaved

from .anchoring import anchor_for
from .models import Passage, Source, SourceRevision
from .services import source_build

__all__ = ["passage_build", "source_build", "sources_insert"]


def passage_build(
    source: Source, revision: SourceRevision, start: int, end: int, *, note: str = "", by=None
) -> Passage:
    """An unsaved passage on a built source's text (offsets into its canonical text)."""
    anchor = anchor_for(source.text, start, end)
    return unsaved(
        Passage,
        source=source,
        start=anchor.start,
        end=anchor.end,
        quote=anchor.quote,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        revision_made=revision,
        revision_anchored=revision,
        note=note,
        created_by=by,
    )


def sources_insert(
    sources: Sequence[Source],
    revisions: Sequence[SourceRevision],
    passages: Sequence[Passage],
    *,
    by,
) -> None:
    """Insert built sources, their revisions and passages, with a history record each.

    Inside the caller's transaction. The history is what the one-by-one path
    records: a '+' record per source, revision and passage, credited to `by`.
    """
    numbers: dict[int, int] = {}
    for passage in passages:
        key = id(passage.source)
        numbers[key] = numbers.get(key, 0) + 1
        passage.number = numbers[key]
    for source in sources:
        source.last_passage_number = numbers.get(id(source), 0)
    now = timezone.now()
    for model, rows in ((Source, sources), (SourceRevision, revisions), (Passage, passages)):
        rows_insert(model, rows)
        history_insert(model, rows, by=by, now=now)
