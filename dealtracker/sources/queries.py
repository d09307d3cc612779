"""Reads of sources, their revisions and passages, as the pages use them.

Plain keyword-only functions returning querysets (or small dicts) with their
`select_related`, `only` and ordering done. What a visitor may see of the claims
resting on passages is the claims app's rule: callers that count passages for
the public pass that filter in.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from dealtracker.db.distinct import distinct_values
from dealtracker.db.statements import compiled_first

from .models import Passage, Reanchoring, Source, SourceDocument, SourceRevision
from .review import to_review


def source_languages() -> list[str]:
    """Every language a source is written in, for the sources list's filter."""
    return distinct_values(Source, "language")


def source_outlets() -> list[str]:
    """Every outlet named by a source, for the sources list's filter."""
    return [outlet for outlet in distinct_values(Source, "outlet") if outlet]


def _count_of(rows: QuerySet) -> Subquery:
    """The number of `rows` (a queryset correlated with OuterRef("pk")).

    A correlated subquery rather than a join and GROUP BY: PostgreSQL runs it for the
    rows of the page alone, after LIMIT, so a page of the list costs the same whatever
    the archive holds."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def sources_with_counts(
    sources: QuerySet[Source], *, shown_passages: Q | None = None
) -> QuerySet[Source]:
    """The sources list's rows, newest first, each with its passage, review and revision
    counts. `shown_passages` (a filter on Passage) limits the passages counted to those
    the visitor is shown; None counts them all."""
    passages = Passage.objects.filter(source=OuterRef("pk"))
    shown = passages if shown_passages is None else passages.filter(shown_passages)
    return sources.annotate(
        passage_count=_count_of(shown),
        # What the review queue lists (a detached orphan is resolved).
        review_count=_count_of(passages.filter(to_review())),
        revision_count=_count_of(SourceRevision.objects.filter(source=OuterRef("pk"))),
    ).order_by("-published_on", "-id")


def orphaned_passages(*, source: Source) -> QuerySet[Passage]:
    """The source's passages that lost their place in its text, oldest first."""
    return (
        Passage.objects.filter(source=source, anchor_status=Passage.AnchorStatus.ORPHANED)
        .only("id", "number", "quote", "source_id", "anchor_status", "needs_review")
        .order_by("id")
    )


def source_for_page(*, pk: int) -> Source | None:
    """A source with its text, or None."""
    return compiled_first("sources.source_for_page", _source_for_page, pk=pk)


def _source_for_page(*, pk: int) -> QuerySet[Source]:
    return Source.objects.filter(pk=pk).order_by("pk")


def current_revision(*, source: Source) -> SourceRevision | None:
    """source.revisions.current() (given `source` as its source), compiled once."""
    revision = compiled_first("sources.current_revision", _revisions_newest, source_id=source.pk)
    if revision is not None:
        revision.source = source
    return revision


def _revisions_newest(*, source_id: int) -> QuerySet[SourceRevision]:
    return SourceRevision.objects.filter(source_id=source_id).order_by("-number")


def original_document(*, source_id: int) -> SourceDocument | None:
    """The file the source's text was last read from (its latest upload), or None."""
    return compiled_first("sources.original_document", _documents_newest, source_id=source_id)


def _documents_newest(*, source_id: int) -> QuerySet[SourceDocument]:
    return SourceDocument.objects.filter(source_id=source_id).order_by("-id")


def passages_for_page() -> QuerySet[Passage]:
    """Passages with their source and the revision they are anchored to, without its text
    (a passage's own page)."""
    return Passage.objects.select_related("source", "revision_anchored").defer(
        "revision_anchored__text"
    )


def revision_numbers(*, source: Source) -> QuerySet[SourceRevision]:
    """The source's revisions, oldest first, without their text (to step between them)."""
    return (
        SourceRevision.objects.filter(source=source)
        .only("id", "number", "created_at", "note", "source_id")
        .order_by("number")
    )


def revisions_newest_first(*, source_id: int) -> QuerySet[SourceRevision]:
    """The source's revisions with who saved them, newest first, without their text."""
    return (
        SourceRevision.objects.filter(source_id=source_id)
        .select_related("created_by")
        .defer("text")
        .order_by("-number")
    )


def reanchoring_outcomes(*, revision: SourceRevision) -> QuerySet[Reanchoring]:
    """How each passage fared when `revision` was made, in the order an editor must look
    at them: orphaned, then changed, then uncertain, then the rest."""
    return (
        Reanchoring.objects.filter(to_revision=revision)
        .select_related("passage")
        .annotate(
            urgency=Case(
                When(status=Passage.AnchorStatus.ORPHANED, then=Value(0)),
                When(status=Passage.AnchorStatus.CHANGED, then=Value(1)),
                When(needs_review=True, then=Value(2)),
                default=Value(3),
            )
        )
        .order_by("urgency", "old_start", "passage_id")
    )


def reanchoring_counts(*, revision: SourceRevision) -> dict[str, int]:
    """{anchor status: passages re-anchored with it} when `revision` was made, every
    status present (zero when none)."""
    counts = {status: 0 for status in Passage.AnchorStatus.values}
    rows = (
        Reanchoring.objects.filter(to_revision=revision)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
