"""The desk's long work, run by the task queue (dealtracker/tasks): revising a source
whose passages are too many to re-anchor inside a request; fetching a source's page
and reading an uploaded PDF or Word file, whose text the add-source form then shows.

The same steps as the inline paths in views/sources_in.py, through the same
functions (intake.py for reading); the queue only moves them out of the request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from dealtracker.claims.agreements import clause_texts_sync
from dealtracker.concurrency import Gone
from dealtracker.sources import services
from dealtracker.sources.extract import ExtractError
from dealtracker.sources.fetch import FetchError
from dealtracker.sources.models import Source
from dealtracker.sources.services import document_storage
from dealtracker.tasks.models import Job
from dealtracker.tasks.work import Done, Refused, work

from . import intake
from .answers import gone_message
from .suggesting import suggest_after_save

SOURCE_REVISE = "source-revise"


def revision_saved(*, outcome: services.RevisionOutcome, by) -> str:
    """After a new revision: clauses anchored in the text take its words, the suggestions
    are computed again; the editor's message."""
    clause_texts_sync(source=outcome.source, by=by)
    counts = outcome.counts
    suggested = suggest_after_save(outcome.source)
    return (
        f"Revision {outcome.revision.number} saved. Passages: "
        f"{counts['anchored']} anchored, {counts['moved']} moved, "
        f"{counts['changed']} changed, {counts['orphaned']} orphaned.{suggested}"
    )


@work(SOURCE_REVISE, "revising a source")
def source_revise(job: Job) -> Done:
    params = job.params
    source = Source.objects.defer("search_vector").filter(pk=params["source"]).first()
    if source is None:
        raise Refused(
            gone_message(Source, params["source"], "source", unsaved="your text was not saved")
        )
    current = source.revisions.order_by("-number").values_list("number", flat=True).first()
    if current != params["base_revision"]:
        raise Refused(
            f"The text was revised meanwhile (now revision {current}); your text was not "
            "saved. Open the source's revise page and make your change to the new text."
        )
    by = get_user_model().objects.filter(pk=job.created_by_id).first()
    try:
        outcome = services.source_revise(
            source=source, new_text=params["text"], note=params.get("note", ""), by=by
        )
    except Gone:
        raise Refused(
            gone_message(Source, source.pk, "source", unsaved="your text was not saved")
        ) from None
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages) + " Your text was not saved.") from None
    if outcome.unchanged:
        return Done(
            "The text is unchanged (after canonicalisation); no revision was made.",
            source.get_absolute_url(),
        )
    return Done(revision_saved(outcome=outcome, by=by), outcome.revision.get_absolute_url())


# --- reading a new source's text: a fetched URL, an uploaded PDF or Word file --------

SOURCE_FETCH = "source-fetch"
DOCUMENT_READ = "document-read"
# The kinds whose result the add-source form reads (views/sources_in.py).
READ_KINDS = (SOURCE_FETCH, DOCUMENT_READ)


def _read_result(job: Job, read) -> Done:
    """Run `read()` (a document, or an error for the editor) and keep what it found for
    the add-source form: nothing is saved as a Source until the editor confirms."""
    try:
        document = read()
    except intake.SameFile as same:
        return Done(
            f"This file is already here as source {same.source.pk}.",
            same.source.get_absolute_url(),
        )
    except (ExtractError, FetchError) as exc:
        raise Refused(str(exc)) from None
    result = intake.found(job.params.get("fields", {}), document)
    words = len(result["data"].get("text", "").split())
    return Done(
        f"Read {words:,} words. Check the text and the details found, then save the source.",
        f"{reverse('desk:source-new')}?job={job.pk}",
        result,
    )


@work(SOURCE_FETCH, "fetching a source")
def source_fetch(job: Job) -> Done:
    return _read_result(job, lambda: intake.url_document(job.params["url"]))


@work(DOCUMENT_READ, "reading a document")
def document_read(job: Job) -> Done:
    storage = document_storage()
    name = job.params["file"]
    if not name.startswith(intake.QUEUED_PREFIX) or not storage.exists(name):
        raise Refused("The uploaded file is no longer kept: upload it again.")
    with storage.open(name, "rb") as stream:
        data = stream.read()
    try:
        done = _read_result(job, lambda: intake.file_document(data, job.params["filename"]))
    except Refused:
        storage.delete(name)
        raise
    # Kept until the result is committed: a worker killed before then needs it again.
    transaction.on_commit(lambda: storage.delete(name))
    return done
