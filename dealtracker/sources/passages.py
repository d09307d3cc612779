"""Marking passages: an editor's selection becomes a span of the canonical text.

The browser sends only offsets (code points of the current revision's text);
the quote and its context are always computed here from the stored text, never
taken from the request (DESIGN.md, "Passage"). Marking the same span twice
reuses the passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from dealtracker.concurrency import lock
from dealtracker.text import strip_controls

from . import anchoring
from .models import CONTEXT_CHARS, Passage, Source, SourceRevision

# What counts as surrounding whitespace of a selection (canonical text has no
# tabs or other controls; newlines separate paragraphs).
_SPACE = " \n"


class PassageInUse(Exception):
    """A passage that evidence rests on cannot be deleted; says what still points at it."""

    def __init__(self, passage: Passage, claims: list, others: list | None = None) -> None:
        self.passage = passage
        self.claims = claims
        self.others = others or []
        names = "; ".join(f"claim {c.pk} “{c}”" for c in claims)
        if self.others:
            # E.g. a clause whose verbatim words the passage is (claims' ClauseAnchor).
            what = "; ".join(f"{o._meta.verbose_name} “{o}”" for o in self.others)
            names = f"{names}; {what}" if names else what
            super().__init__(f"This passage cannot be deleted: {names} rests on it. Unlink first.")
            return
        super().__init__(
            f"This passage cannot be deleted: {len(claims)} claim(s) rest on it ({names}). "
            "Unlink them first."
        )


@dataclass(frozen=True)
class Marked:
    """The result of marking: the passage, whether it existed, whether the span was trimmed."""

    passage: Passage
    created: bool
    trimmed: bool


def current_revision(source: Source) -> SourceRevision:
    """The revision whose text the source shows now (the highest number)."""
    revision = source.revisions.current()
    if revision is None:
        raise ValidationError("This source has no text revision to mark passages on.")
    return revision


def offsets_from_utf16(text: str, start: int, end: int) -> tuple[int, int]:
    """Browser offsets (UTF-16 units) as code points; a split surrogate pair is refused."""
    try:
        return anchoring.utf16_to_codepoint(text, start), anchoring.utf16_to_codepoint(text, end)
    except ValueError:
        raise ValidationError(
            f"The selection does not fall on characters of the text ({len(text)} characters); "
            "reload the page and select again.",
            code="past_end",
        ) from None


def parse_offset(value, name: str) -> int:
    """An offset from a request: a non-negative integer, else a message saying what is wrong."""
    if value is None or str(value).strip() == "":
        raise ValidationError(f"The selection has no {name} offset.", code="missing")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"The {name} offset must be a whole number, not “{str(value)[:40]}”.", code="invalid"
        ) from None
    if number < 0:
        raise ValidationError(f"The {name} offset cannot be negative.", code="invalid")
    return number


def check_span(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """Validate a selection against text and trim the whitespace around it.

    Mouse selections often take in the space or line end next to a sentence
    (a triple-click takes the whole paragraph with its newline); a passage
    never starts or ends with whitespace, so it is trimmed and the caller
    tells the editor. Returns (start, end, trimmed).
    """
    length = len(text)
    if start > length or end > length:
        raise ValidationError(
            f"The selection ends past the end of the text ({length} characters); "
            "the page may be out of date — reload it and select again.",
            code="past_end",
        )
    if start >= end:
        raise ValidationError("Nothing is selected: select some text first.", code="empty")
    new_start, new_end = start, end
    while new_start < new_end and text[new_start] in _SPACE:
        new_start += 1
    while new_end > new_start and text[new_end - 1] in _SPACE:
        new_end -= 1
    if new_start >= new_end:
        raise ValidationError("Only spaces are selected: select some words.", code="empty")
    return new_start, new_end, (new_start, new_end) != (start, end)


@transaction.atomic
def passage_mark(*, source: Source, start: int, end: int, by=None) -> Marked:
    """Mark text[start:end] of the source's current revision as a passage (or reuse it).

    The source row is locked (as source_revise locks it) and the current
    revision read under that lock: a passage marked while a revision is being
    saved waits for it and is checked against the new text, instead of being
    written on the old revision after its re-anchoring has run.
    """
    source = lock(Source, source.pk, what="source")
    revision = current_revision(source)
    start, end, trimmed = check_span(revision.text, start, end)
    existing = (
        Passage.objects.filter(source=source, revision_anchored=revision, start=start, end=end)
        .exclude(anchor_status=Passage.AnchorStatus.ORPHANED)
        .order_by("id")
        .first()
    )
    if existing is not None:
        return Marked(existing, created=False, trimmed=trimmed)
    quote, prefix, suffix = anchoring.quote_selector(revision.text, start, end, CONTEXT_CHARS)
    passage = Passage.objects.create(
        source=source,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        revision_made=revision,
        revision_anchored=revision,
        anchor_status=Passage.AnchorStatus.ANCHORED,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    return Marked(passage, created=True, trimmed=trimmed)


@transaction.atomic
def passage_update_note(*, passage: Passage, note: str, by=None) -> Passage:
    """Set a passage's internal note (stored as typed, escaped when shown).

    Raises Gone when the passage was deleted meanwhile (the row is locked first).
    """
    current = lock(Passage, passage.pk, what="passage")
    current.note = strip_controls(note).strip()
    current.save(update_fields=["note", "updated_at"])
    return current


def passage_claims(exc: ProtectedError) -> list:
    """The claims whose evidence protects a passage, from the refusal itself, by id.

    The sources app does not import claims: the rows come from the error.
    """
    claims = {}
    for obj in exc.protected_objects:
        claim = getattr(obj, "claim", None)
        if claim is not None:
            claims[claim.pk] = claim
    return [claims[k] for k in sorted(claims)]


def passage_delete(*, passage: Passage, by=None) -> None:
    """Delete a passage nothing rests on; refuse, naming the claims, when evidence does.

    Locks the source row, then the passage (the order of concurrency.py), so a
    revision of the source being saved meanwhile is not left re-anchoring a
    passage that no longer exists. Raises Gone when it is already deleted.
    """
    try:
        with transaction.atomic():
            lock(Source, passage.source_id, what="source")
            current = lock(Passage, passage.pk, what="passage")
            current.delete()
    except ProtectedError as exc:
        # Whatever else protects it (a clause's verbatim words: claims' ClauseAnchor) is named too.
        others = [o for o in exc.protected_objects if getattr(o, "claim", None) is None]
        raise PassageInUse(passage, passage_claims(exc), others) from None
