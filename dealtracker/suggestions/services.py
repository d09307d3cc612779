"""Writes on suggestions: computing them for a revision, accepting, dismissing, restoring.

Locks follow the order every writer on a source uses (source_revise,
passage_mark): the source row first, then the suggestion row. Nothing here
creates a claim: accepting marks the sentence as a passage, through the
sources app's own service, and the editor writes the claim.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import cast

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dealtracker.claims.models import Claim
from dealtracker.concurrency import lock
from dealtracker.sources import anchoring
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.passages import Marked, current_revision, passage_mark

from .engine import Candidate, suggest
from .models import SuggestedParty, Suggestion, SuggestionRun

logger = logging.getLogger(__name__)

# Raise when the rules change: each source's suggestions are computed again
# the next time an editor opens it (decisions are kept).
RULES_VERSION = 1
# A decision follows its sentence into a new revision when the sentence there
# overlaps the re-anchored old one by at least this share of its length.
CARRY_OVERLAP = 0.5


class SuggestionGone(Exception):
    """The suggestion was for an older text: the source was revised since."""


# --- reads ---------------------------------------------------------------------------


def suggestions_current(*, source: Source) -> SuggestionRun | None:
    """The run of the source's current revision, computed now if it is missing or outdated."""
    revision = source.revisions.only("id", "number", "source_id").current()
    if revision is None:
        return None
    run = SuggestionRun.objects.filter(revision=revision).first()
    if run is not None and run.rules_version == RULES_VERSION:
        return run
    return suggestions_refresh(source=source, force=False)


def _marked(run: SuggestionRun) -> Exists:
    """Whether a passage of the run's revision overlaps the suggested sentence."""
    return Exists(
        Passage.objects.filter(
            source_id=run.source_id,
            revision_anchored_id=run.revision_id,
            start__lt=OuterRef("end"),
            end__gt=OuterRef("start"),
        ).exclude(anchor_status=Passage.AnchorStatus.ORPHANED)
    )


def open_suggestions(*, run: SuggestionRun) -> QuerySet[Suggestion]:
    """The run's open suggestions, best first, leaving out sentences already marked."""
    return (
        Suggestion.objects.filter(revision_id=run.revision_id, status=Suggestion.Status.OPEN)
        .exclude(_marked(run))
        .select_related("deal", "phase", "clause", "claimant")
        .order_by("rank", "id")
    )


def suggestion_counts(*, run: SuggestionRun) -> dict[str, int]:
    """How many open (not yet marked) and dismissed suggestions the run has, in one query."""
    return Suggestion.objects.filter(revision_id=run.revision_id).aggregate(
        open=Count("id", filter=Q(status=Suggestion.Status.OPEN) & ~_marked(run)),
        dismissed=Count("id", filter=Q(status=Suggestion.Status.DISMISSED)),
    )


def dismissed_suggestions(*, run: SuggestionRun) -> QuerySet[Suggestion]:
    return (
        Suggestion.objects.filter(revision_id=run.revision_id, status=Suggestion.Status.DISMISSED)
        .select_related("deal", "phase", "clause", "claimant", "decided_by")
        .order_by("rank", "id")
    )


# --- computing -----------------------------------------------------------------------


def _prior_deal_ids(source: Source) -> set[int]:
    """The deals the claims already resting on this source belong to."""
    return set(
        Claim.objects.filter(evidence__passage__source=source, deal__isnull=False)
        .values_list("deal_id", flat=True)
        .distinct()
    )


@transaction.atomic
def suggestions_refresh(*, source: Source, force: bool = True) -> SuggestionRun:
    """Compute the suggestions of the source's current revision (again), keeping decisions.

    Open suggestions of earlier revisions go; decided ones stay, and each
    decision is carried to the same sentence of the new text — found
    verbatim, or by re-anchoring the old sentence as passages are
    re-anchored (so a dismissed sentence with a corrected word stays
    dismissed). Without `force`, a run another editor finished while this one
    waited for the lock is taken as it is.
    """
    source = lock(Source, source.pk, what="source")
    revision = current_revision(source)
    if not force:
        done = SuggestionRun.objects.filter(revision=revision, rules_version=RULES_VERSION)
        if done.exists():
            return done.get()
    candidates = suggest(
        text=revision.text, language=source.language, prior_deal_ids=_prior_deal_ids(source)
    )
    Suggestion.objects.filter(source=source, status=Suggestion.Status.OPEN).delete()
    kept = {
        (s.start, s.end) for s in Suggestion.objects.filter(revision=revision).only("start", "end")
    }
    decisions, carried = _carried_decisions(source, revision, candidates)
    rows: list[Suggestion] = []
    named: list[tuple[int, Candidate]] = []
    for rank, candidate in enumerate(candidates, start=1):
        if (candidate.start, candidate.end) in kept:
            continue  # decided on this very revision: the decision stands as it is
        row = _row(source, revision, rank, candidate)
        decision = decisions.get((candidate.start, candidate.end))
        if decision is not None:
            row.status = decision.status
            row.decided_by_id = decision.decided_by_id
            row.decided_at = decision.decided_at
            row.passage_id = decision.passage_id
        rows.append(row)
        named.append((len(rows) - 1, candidate))
    Suggestion.objects.bulk_create(rows)
    # A carried decision now lives on the new revision's row; the old rows go, so
    # that a later change of mind (restore) is not undone by an older decision.
    # Decisions on sentences the new text lacks stay, should the sentence return.
    Suggestion.objects.filter(pk__in=carried).delete()
    SuggestedParty.objects.bulk_create(
        SuggestedParty(
            suggestion=rows[i],
            party_id=guess.party_id,
            position=position,
            written=guess.written[:200] if guess.misspelt else "",
        )
        for i, candidate in named
        for position, guess in enumerate(_distinct(candidate.parties))
    )
    run, _ = SuggestionRun.objects.update_or_create(
        revision=revision,
        defaults={
            "source": source,
            "rules_version": RULES_VERSION,
            "suggested": len(candidates),
            "computed_at": timezone.now(),
        },
    )
    return run


def _distinct(guesses):
    seen = set()
    for guess in guesses:
        if guess.party_id not in seen:
            seen.add(guess.party_id)
            yield guess


def _row(source: Source, revision: SourceRevision, rank: int, candidate: Candidate) -> Suggestion:
    return Suggestion(
        source=source,
        revision=revision,
        start=candidate.start,
        end=candidate.end,
        sentence=candidate.sentence,
        rank=rank,
        score=candidate.score,
        deal_id=candidate.deal_id,
        phase_id=candidate.phase_id,
        clause_id=candidate.clause_id,
        claimant_id=candidate.claimant_id,
        kind=candidate.kind,
        compliance=candidate.compliance,
        statement=candidate.statement,
        attribution=candidate.attribution[:500],
        reasons=candidate.reasons,
    )


def _carried_decisions(
    source: Source, revision: SourceRevision, candidates: list[Candidate]
) -> tuple[dict[tuple[int, int], Suggestion], set[int]]:
    """(start, end) of a new candidate -> the latest earlier decision on the same sentence,
    and the ids of every earlier decision that found its sentence in the new text."""
    decided = list(
        Suggestion.objects.filter(source=source)
        .exclude(status=Suggestion.Status.OPEN)
        .exclude(revision=revision)
        .order_by("decided_at", "id")
    )
    if not decided or not candidates:
        return {}, set()
    carried: set[int] = set()
    by_text = {c.sentence: (c.start, c.end) for c in candidates}
    out: dict[tuple[int, int], Suggestion] = {}
    unmatched: dict[int, list[Suggestion]] = defaultdict(list)
    for old in decided:  # later decisions overwrite earlier ones
        span = by_text.get(old.sentence)
        if span is not None:
            out[span] = old
            carried.add(old.pk)
        else:
            unmatched[old.revision_id].append(old)
    if not unmatched:
        return out, carried
    texts = dict(SourceRevision.objects.filter(pk__in=list(unmatched)).values_list("id", "text"))
    for revision_id, olds in unmatched.items():
        anchors = [anchoring.anchor_for(texts[revision_id], o.start, o.end) for o in olds]
        try:
            results = anchoring.reanchor(texts[revision_id], revision.text, anchors)
        except ValueError:
            logger.warning("suggestions: could not re-anchor decisions of revision %s", revision_id)
            continue
        for old, result in zip(olds, results, strict=True):
            if result.start is None or result.end is None:
                continue
            for candidate in candidates:
                overlap = min(candidate.end, result.end) - max(candidate.start, result.start)
                if overlap >= CARRY_OVERLAP * (candidate.end - candidate.start):
                    carried.add(old.pk)
                    span = (candidate.start, candidate.end)
                    current = out.get(span)
                    # Both decided (not open), so decided_at is set: the model's constraint.
                    if current is None or cast(dt.datetime, current.decided_at) <= cast(
                        dt.datetime, old.decided_at
                    ):
                        out[span] = old
    return out, carried


# --- decisions -----------------------------------------------------------------------


def _locked(suggestion: Suggestion) -> Suggestion:
    """The suggestion's row, locked after its source's (the order revise and mark use).

    Gone when the source was deleted meanwhile; SuggestionGone when the suggestion was.
    """
    lock(Source, suggestion.source_id, what="source")
    try:
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    except Suggestion.DoesNotExist:
        raise SuggestionGone() from None
    current = SourceRevision.objects.filter(source_id=locked.source_id).current_value("id")
    if current != locked.revision_id:
        raise SuggestionGone()
    return locked


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by) -> Marked:
    """Mark the suggested sentence as a passage (or reuse the one marked there) and note it."""
    locked = _locked(suggestion)
    marked = passage_mark(source=locked.source, start=locked.start, end=locked.end, by=by)
    locked.status = Suggestion.Status.ACCEPTED
    locked.decided_by = by if by is not None and by.is_authenticated else None
    locked.decided_at = timezone.now()
    locked.passage = marked.passage
    locked.save(update_fields=["status", "decided_by", "decided_at", "passage"])
    return marked


@transaction.atomic
def suggestion_dismiss(*, suggestion: Suggestion, by) -> Suggestion:
    """Dismiss a suggestion; it stays dismissed across visits and revisions."""
    locked = _locked(suggestion)
    if locked.status != Suggestion.Status.DISMISSED:
        locked.status = Suggestion.Status.DISMISSED
        locked.decided_by = by if by is not None and by.is_authenticated else None
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def suggestion_restore(*, suggestion: Suggestion, by) -> Suggestion:
    """Undo a dismissal: the suggestion is open again."""
    locked = _locked(suggestion)
    if locked.status == Suggestion.Status.DISMISSED:
        locked.status = Suggestion.Status.OPEN
        locked.decided_by = None
        locked.decided_at = None
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked
