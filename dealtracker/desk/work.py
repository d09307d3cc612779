"""The desk's long work, run by the task queue (dealtracker/tasks): revising a source
whose passages are too many to re-anchor inside a request.

The same steps as the inline save in views/sources_in.py, through the same
functions; the queue only moves them out of the request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from dealtracker.claims.agreements import clause_texts_sync
from dealtracker.concurrency import Gone
from dealtracker.sources import services
from dealtracker.sources.models import Source
from dealtracker.tasks.models import Job
from dealtracker.tasks.work import Done, Refused, work

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
