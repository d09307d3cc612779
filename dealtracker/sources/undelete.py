"""Bring a deleted source back from its history, with every revision of its text and
its passages, in one transaction.

A source can only be deleted when no evidence rests on its passages (DESIGN.md),
so restoring it brings back no evidence. What is not kept in history and so not
restored: the re-anchoring outcomes of past revisions (Reanchoring rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from dealtracker.history import (
    back_as,
    deleted_objects,
    deleted_with,
    exists,
    last_deletion,
    recreate,
    state_before,
)

from .models import Passage, Source, SourceRevision


class RestoreRefused(Exception):
    """The source cannot come back as it was; the message says why."""


@dataclass
class SourceRestoreOutcome:
    source: Source
    revisions: int
    passages: int


def deleted_sources() -> QuerySet:
    return deleted_objects(Source)


@transaction.atomic
def source_restore(*, source_id: int, by=None) -> SourceRestoreOutcome:
    if Source.objects.filter(pk=source_id).exists():
        raise RestoreRefused(f"Source {source_id} is not deleted.")
    deletion = last_deletion(Source, source_id)
    if deletion is None:
        raise RestoreRefused(f"There is no record of a deleted source {source_id}.")
    before = state_before(Source, source_id, deletion)
    again = back_as(Source, before)
    if again is not None:
        raise RestoreRefused(f"Source {source_id} is here again, as source {again} (imported).")
    if before.url and Source.objects.filter(url=before.url).exists():
        other = Source.objects.get(url=before.url)
        raise RestoreRefused(
            f"Source {other.pk} “{other}” now has the same URL ({before.url}); "
            "a URL belongs to one source. Merge by hand or change that source's URL first."
        )
    duplicate_of = before.duplicate_of_id if exists(Source, before.duplicate_of_id) else None
    source = recreate(before, by=by, duplicate_of_id=duplicate_of)

    revisions = list(deleted_with(SourceRevision, deletion, source_id=source_id))
    for record in revisions:
        recreate(state_before(SourceRevision, record.id, record), by=by)
    passages = list(deleted_with(Passage, deletion, source_id=source_id))
    for record in passages:
        state = state_before(Passage, record.id, record)
        missing = [
            pk
            for pk in (state.revision_made_id, state.revision_anchored_id)
            if not exists(SourceRevision, pk)
        ]
        if missing:
            raise RestoreRefused(
                f"Passage {record.id} was made on revision {missing[0]}, which history does "
                "not hold; the source cannot be restored whole."
            )
        recreate(state, by=by)
    return SourceRestoreOutcome(source=source, revisions=len(revisions), passages=len(passages))
