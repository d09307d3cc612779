"""Operations' long work, run by the task queue (dealtracker/tasks): importing an archive
uploaded on the admin's import page, as `manage.py import_archive` does."""

from __future__ import annotations

import uuid

from django.core.files.base import File
from django.db import transaction

from dealtracker.interchange.source_archive import numbered_lines
from dealtracker.sources.services import document_storage
from dealtracker.tasks.models import Job
from dealtracker.tasks.work import Done, Refused, work

from .archive import ArchiveError, ImportSummary, import_lines, max_line_bytes

ARCHIVE_IMPORT = "archive-import"
# Uploaded archives wait for the worker in the documents storage, which every app
# server and worker share (a local folder on one machine, object storage on many).
QUEUED_PREFIX = "queued-archives/"


def archive_keep(upload: File) -> str:
    """Keep an uploaded archive for the worker; its name in the documents storage."""
    return document_storage().save(f"{QUEUED_PREFIX}{uuid.uuid4().hex}.jsonl", upload)


def summary_text(summary: ImportSummary) -> str:
    return (
        f"{summary.rows_created:,} rows imported, {summary.rows_present:,} already here "
        f"and left as they were; {summary.history:,} history records, "
        f"{summary.files:,} original files."
    )


@work(ARCHIVE_IMPORT, "importing an archive")
def archive_import(job: Job) -> Done:
    storage = document_storage()
    name = job.params["file"]
    if not name.startswith(QUEUED_PREFIX) or not storage.exists(name):
        raise Refused("The uploaded archive is no longer kept: upload it again.")
    try:
        with storage.open(name, "rb") as stream:
            summary = import_lines(numbered_lines(stream, max_bytes=max_line_bytes()))
    except ArchiveError as exc:
        storage.delete(name)
        raise Refused(
            f"{job.params.get('filename') or 'The archive'}: {exc} — nothing was imported. "
            "Correct the archive and upload it again."
        ) from None
    # Kept until the import is committed: a worker killed before then needs it again.
    transaction.on_commit(lambda: storage.delete(name))
    return Done(summary_text(summary))
