"""Resolving the passages re-anchoring flagged for review (DESIGN.md, "Anchoring").

When a revised text leaves a passage uncertain (orphaned, changed, found only
approximately, or chosen among look-alike copies), the passage is flagged
`needs_review`. An editor resolves it in one of three ways:

- **confirm** it where it is: re-anchoring put it on the right words; the flag
  goes, the passage stays.
- **move** it: the editor selects the right words of the current text, as when
  marking a passage; the passage takes that span and keeps its label, its
  note and its evidence, so the claims resting on it follow it.
- **detach** it: it belongs nowhere in the current text. It becomes an orphan
  that an editor has checked (orphaned, no longer flagged), put back on the
  words it last certainly held — the revision and span it had before the
  re-anchoring that put it where it is — so neither the claims resting on it
  nor the W3C annotations point at words of the new text it never quoted.

Each is one transaction that locks the source, then the passage (the order of
concurrency.py, which revising and marking share), and then compares the
passage with what the editor saw (`review_state`, carried by the form): a
passage someone else resolved, moved or re-anchored meanwhile raises
PassageChanged (the desk answers 409) and nothing is written; a deleted one
raises Gone (410). Every resolution is one history record with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from dealtracker.concurrency import lock
from dealtracker.history import credit, give_reason

from . import anchoring
from .models import CONTEXT_CHARS, Passage, Reanchoring, Source, SourceRevision
from .passages import check_span, current_revision

CONFIRMED = "confirmed where it is"
DETACHED = "detached from the text"


class ReviewConflict(Exception):
    """The passage or the text is not what the editor saw: nothing was saved (409)."""


class PassageChanged(ReviewConflict):
    """Someone else resolved, moved or re-anchored the passage since the editor looked at it."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        record = passage.history.order_by("-history_date", "-history_id").first()
        who, when = "someone else", ""
        if record is not None:
            if record.history_user is not None:
                who = record.history_user.get_username()
            when = " at " + date_format(timezone.localtime(record.history_date), "H:i \\o\\n j F Y")
            reason = record.history_change_reason or "changed"
        else:
            reason = "changed"
        super().__init__(
            f"{passage.label} was {reason} by {who}{when}, after you opened it; "
            f"nothing was saved. It now {_where(passage)}. Look at it again before you decide."
        )


class TextRevised(ReviewConflict):
    """The text was revised after the editor selected words in it."""

    def __init__(self, source: Source, revision: SourceRevision, seen: int) -> None:
        self.revision = revision
        super().__init__(
            f"The text of this source was revised (revision {revision.number}, you selected in "
            f"revision {seen}); nothing was saved. Select the words again in the current text."
        )


def _where(passage: Passage) -> str:
    if passage.anchor_status == Passage.AnchorStatus.ORPHANED:
        return "has no place in the current text" + (
            " (detached by an editor)" if not passage.needs_review else ""
        )
    flagged = ", flagged for review" if passage.needs_review else ", checked"
    return f"quotes “{_short(passage.quote)}”{flagged}"


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def review_state(passage: Passage) -> str:
    """What an editor saw of a passage when deciding about it, as a token the form carries:
    its revision, span, status and flag. Any change to these by someone else is a conflict;
    a change to its note or its claims is not."""
    return "-".join(
        str(value)
        for value in (
            passage.revision_anchored_id,
            passage.start,
            passage.end,
            passage.anchor_status,
            int(passage.needs_review),
        )
    )


def to_review(prefix: str = "") -> Q:
    """The passages the review queue lists (prefix: the path to them, e.g. "passages__").

    A flag set by re-anchoring and not yet resolved; orphans are flagged when they
    lose their place, and stay listed until an editor moves or detaches them."""
    return Q(**{f"{prefix}needs_review": True})


def _locked(passage: Passage, seen: str | None) -> tuple[Source, Passage]:
    source = lock(Source, passage.source_id, what="source")
    current = lock(Passage, passage.pk, what="passage")
    if seen is not None and review_state(current) != seen:
        raise PassageChanged(current)
    return source, current


def _record(passage: Passage, *, reason: str, by) -> None:
    give_reason(passage, reason[:100])
    if by is not None and getattr(by, "is_authenticated", False):
        credit(passage, by)


@transaction.atomic
def passage_confirm(*, passage: Passage, seen: str | None = None, by=None) -> Passage:
    """Confirm a flagged passage where re-anchoring put it: the flag goes, nothing moves.

    Refused (ValidationError) for a passage that is not flagged, or that has no
    place in the current text (an orphan: move it or detach it)."""
    source, current = _locked(passage, seen)
    if not current.needs_review:
        raise ValidationError(
            f"{current.label} is not flagged for review: there is nothing to confirm.",
            code="not_flagged",
        )
    if current.anchor_status == Passage.AnchorStatus.ORPHANED:
        raise ValidationError(
            f"{current.label} lost its place in the text: there is no place to confirm. "
            "Select the right words to move it there, or detach it.",
            code="orphaned",
        )
    if current.revision_anchored_id != current_revision(source).pk:
        raise ValidationError(
            f"{current.label} is on an older revision of the text: move it to the right words "
            "of the current one, or detach it.",
            code="old_revision",
        )
    current.needs_review = False
    _record(current, reason=CONFIRMED, by=by)
    current.save(update_fields=["needs_review", "updated_at"])
    return current


@dataclass(frozen=True)
class Moved:
    passage: Passage
    trimmed: bool  # spaces and line breaks around the selection were left out


@transaction.atomic
def passage_move(
    *,
    passage: Passage,
    start: int,
    end: int,
    revision_number: int,
    seen: str | None = None,
    by=None,
) -> Moved:
    """Put a passage on the words text[start:end] of the current revision, chosen by an editor.

    `revision_number` is the revision the editor selected in (the offsets are
    its code points): a text revised since raises TextRevised. The passage keeps
    its label, note and evidence (the claims follow it); it is anchored there,
    checked by an editor, its old wording kept as previous_quote. The span is
    checked and trimmed as when marking; a span another passage already marks,
    or the passage's own span, is refused (ValidationError) saying what to do.
    """
    source, current = _locked(passage, seen)
    revision = current_revision(source)
    if revision.number != revision_number:
        raise TextRevised(source, revision, revision_number)
    start, end, trimmed = check_span(revision.text, start, end)
    if (current.revision_anchored_id, current.start, current.end) == (revision.pk, start, end):
        raise ValidationError(
            f"{current.label} is already on these words"
            + (": confirm it where it is." if current.needs_review else "."),
            code="same_place",
        )
    other = (
        Passage.objects.filter(source=source, revision_anchored=revision, start=start, end=end)
        .exclude(anchor_status=Passage.AnchorStatus.ORPHANED)
        .exclude(pk=current.pk)
        .order_by("number")
        .first()
    )
    if other is not None:
        raise ValidationError(
            f"{other.label} already marks exactly these words. Rest the claims of "
            f"{current.label} on {other.label} instead, then detach {current.label}.",
            code="taken",
        )
    old = (current.start, current.end, current.revision_anchored.number, current.quote)
    quote, prefix, suffix = anchoring.quote_selector(revision.text, start, end, CONTEXT_CHARS)
    current.start, current.end = start, end
    current.quote, current.prefix, current.suffix = quote, prefix, suffix
    current.revision_anchored = revision
    current.previous_quote = old[3] if old[3] != quote else ""
    current.anchor_status = Passage.AnchorStatus.ANCHORED
    current.needs_review = False
    _record(
        current,
        reason=f"moved by hand from {old[0]}–{old[1]} (revision {old[2]}) "
        f"to {start}–{end} (revision {revision.number})",
        by=by,
    )
    current.save()
    return Moved(current, trimmed)


def _last_certain_place(passage: Passage) -> Reanchoring | None:
    """The re-anchoring that put the passage where it is now, if it came from a span whose
    words are still those it recorded (its last certain place)."""
    outcome = (
        Reanchoring.objects.filter(
            passage=passage,
            to_revision_id=passage.revision_anchored_id,
            new_start=passage.start,
            new_end=passage.end,
        )
        .select_related("from_revision")
        .order_by("-id")
        .first()
    )
    if outcome is None:
        return None
    text = outcome.from_revision.text
    if not (0 <= outcome.old_start < outcome.old_end <= len(text)):
        return None
    if text[outcome.old_start : outcome.old_end] != outcome.old_quote:
        return None
    return outcome


@transaction.atomic
def passage_detach(*, passage: Passage, seen: str | None = None, by=None) -> Passage:
    """Take a flagged passage off the current text: an orphan an editor has checked.

    A passage re-anchoring placed (wrongly) goes back to the revision and span it
    had before: its quote and context are the words it was marked on, never those
    of the wrong place. Its claims keep resting on it, shown as resting on words
    no longer in the text. Refused (ValidationError) for a passage not flagged."""
    _, current = _locked(passage, seen)
    if not current.needs_review:
        raise ValidationError(
            f"{current.label} is not flagged for review: delete it, or move it, instead.",
            code="not_flagged",
        )
    reason = DETACHED
    if current.anchor_status != Passage.AnchorStatus.ORPHANED:
        before = _last_certain_place(current)
        if before is not None:
            text = before.from_revision.text
            quote, prefix, suffix = anchoring.quote_selector(
                text, before.old_start, before.old_end, CONTEXT_CHARS
            )
            current.start, current.end = before.old_start, before.old_end
            current.quote, current.prefix, current.suffix = quote, prefix, suffix
            current.revision_anchored = before.from_revision
            current.previous_quote = ""
            reason = f"{DETACHED}, back on its words of revision {before.from_revision.number}"
    current.anchor_status = Passage.AnchorStatus.ORPHANED
    current.needs_review = False
    _record(current, reason=reason, by=by)
    current.save()
    return current
