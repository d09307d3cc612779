"""Resolving flagged passages (dealtracker.sources.review): confirm, move, detach."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dealtracker.concurrency import Gone
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import passage_mark
from dealtracker.sources.review import (
    CONFIRMED,
    PassageChanged,
    TextRevised,
    passage_confirm,
    passage_detach,
    passage_move,
    review_state,
    to_review,
)
from dealtracker.sources.services import source_create
from tests.reviewing import REPORT, build_flagged

pytestmark = pytest.mark.django_db


def _mark(source: Source, words: str, by=None) -> Passage:
    text = source.revisions.order_by("-number").first().text
    start = text.index(words)
    return passage_mark(source=source, start=start, end=start + len(words), by=by).passage


@pytest.fixture
def flagged(editor):
    """A source revised so that one passage changed (flagged) and one was orphaned, each with
    a claim resting on it; a third moved, not flagged."""
    w = build_flagged(by=editor)
    return w.source, w.revision, w.envoy, w.aside, w.figure, w.claims


# --- confirm ----------------------------------------------------------------------------


def test_confirming_clears_the_flag_and_keeps_the_passage_where_it_is(flagged, editor):
    source, revision, envoy, *_ = flagged
    before = (envoy.start, envoy.end, envoy.quote, envoy.revision_anchored_id)
    confirmed = passage_confirm(passage=envoy, seen=review_state(envoy), by=editor)
    envoy.refresh_from_db()
    assert confirmed.pk == envoy.pk
    assert not envoy.needs_review
    assert (envoy.start, envoy.end, envoy.quote, envoy.revision_anchored_id) == before
    assert envoy.quote == "Steve Witkoff cut off the talks"
    assert not Passage.objects.filter(to_review(), pk=envoy.pk).exists()
    record = envoy.history.order_by("-history_date", "-history_id").first()
    assert (record.history_change_reason, record.history_user) == (CONFIRMED, editor)


def test_an_orphan_cannot_be_confirmed_where_it_is(flagged, editor):
    _, _, _, aside, *_ = flagged
    with pytest.raises(ValidationError, match="lost its place"):
        passage_confirm(passage=aside, seen=review_state(aside), by=editor)
    aside.refresh_from_db()
    assert aside.needs_review


def test_a_passage_not_flagged_has_nothing_to_confirm(flagged, editor):
    *_, figure, _ = flagged
    with pytest.raises(ValidationError, match="not flagged"):
        passage_confirm(passage=figure, seen=review_state(figure), by=editor)


def test_confirming_what_someone_else_already_resolved_is_a_conflict(flagged, editor):
    _, _, envoy, *_ = flagged
    seen = review_state(envoy)
    passage_confirm(passage=envoy, seen=seen, by=editor)
    with pytest.raises(PassageChanged, match="confirmed where it is by editor"):
        passage_confirm(passage=envoy, seen=seen, by=editor)


def test_confirming_a_deleted_passage_is_gone(editor):
    source = source_create(text=REPORT, title="Talks", by=editor)
    passage = _mark(source, "Gabe Witkoff")
    Passage.objects.filter(pk=passage.pk).delete()
    with pytest.raises(Gone):
        passage_confirm(passage=passage, seen=review_state(passage), by=editor)


# --- move -------------------------------------------------------------------------------


def test_moving_puts_the_passage_on_the_selected_words_and_its_claim_follows(flagged, editor):
    source, revision, envoy, _, _, claims = flagged
    label = envoy.label
    words = "White House advisor Steve Witkoff cut off the talks"
    start = revision.text.index(words)
    moved = passage_move(
        passage=envoy,
        start=start,
        end=start + len(words),
        revision_number=revision.number,
        seen=review_state(envoy),
        by=editor,
    )
    envoy.refresh_from_db()
    assert moved.passage.pk == envoy.pk and not moved.trimmed
    assert (envoy.start, envoy.end, envoy.quote) == (start, start + len(words), words)
    assert envoy.revision_anchored_id == revision.pk
    assert (envoy.anchor_status, envoy.needs_review) == ("anchored", False)
    assert envoy.previous_quote == "Steve Witkoff cut off the talks"
    assert envoy.label == label  # the label stays
    assert envoy.prefix == revision.text[max(0, start - 32) : start]
    # The claim's evidence is the same link, now on the new words.
    evidence = claims["envoy"].evidence.get()
    assert evidence.passage_id == envoy.pk and evidence.passage.quote == words
    record = envoy.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == editor
    assert record.history_change_reason.startswith("moved by hand from")


def test_moving_an_orphan_puts_it_back_on_the_current_text(flagged, editor):
    source, revision, _, aside, _, claims = flagged
    words = "More than 50,000 Palestinians"
    start = revision.text.index(words)
    passage_move(
        passage=aside,
        start=start,
        end=start + len(words),
        revision_number=revision.number,
        seen=review_state(aside),
        by=editor,
    )
    aside.refresh_from_db()
    assert aside.revision_anchored_id == revision.pk
    assert (aside.anchor_status, aside.needs_review, aside.quote) == ("anchored", False, words)
    assert claims["aside"].evidence.get().passage_id == aside.pk


def test_a_move_trims_the_spaces_around_the_selection(flagged, editor):
    _, revision, envoy, *_ = flagged
    words = "Steve Witkoff"
    start = revision.text.index(words)
    moved = passage_move(
        passage=envoy,
        start=start - 1,
        end=start + len(words) + 1,
        revision_number=revision.number,
        seen=review_state(envoy),
        by=editor,
    )
    assert moved.trimmed and moved.passage.quote == words


def test_a_move_selected_in_an_older_revision_is_a_conflict(flagged, editor):
    source, revision, envoy, *_ = flagged
    before = review_state(envoy)
    with pytest.raises(TextRevised, match="revised"):
        passage_move(
            passage=envoy,
            start=0,
            end=6,
            revision_number=revision.number - 1,
            seen=before,
            by=editor,
        )
    envoy.refresh_from_db()
    assert review_state(envoy) == before


def test_a_move_onto_words_another_passage_marks_is_refused_naming_it(flagged, editor):
    source, revision, envoy, _, figure, _ = flagged
    with pytest.raises(ValidationError, match=f"{figure.label} already marks exactly these words"):
        passage_move(
            passage=envoy,
            start=figure.start,
            end=figure.end,
            revision_number=revision.number,
            seen=review_state(envoy),
            by=editor,
        )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 5, "Nothing is selected"), (0, 10**6, "past the end"), (93, 94, "Only spaces")],
)
def test_a_move_to_no_words_is_refused(flagged, editor, start, end, message):
    _, revision, envoy, *_ = flagged
    assert revision.text[93] == "\n"
    with pytest.raises(ValidationError, match=message):
        passage_move(
            passage=envoy,
            start=start,
            end=end,
            revision_number=revision.number,
            seen=review_state(envoy),
            by=editor,
        )


def test_moving_a_passage_someone_else_moved_meanwhile_is_a_conflict(flagged, editor):
    _, revision, envoy, *_ = flagged
    seen = review_state(envoy)
    words = "Steve Witkoff"
    start = revision.text.index(words)
    passage_move(
        passage=envoy,
        start=start,
        end=start + len(words),
        revision_number=revision.number,
        seen=seen,
        by=editor,
    )
    with pytest.raises(PassageChanged, match="moved by hand"):
        passage_move(
            passage=envoy,
            start=0,
            end=6,
            revision_number=revision.number,
            seen=seen,
            by=editor,
        )


# --- detach -----------------------------------------------------------------------------


def test_detaching_a_changed_passage_puts_it_back_on_the_words_it_was_marked_on(flagged, editor):
    source, revision, envoy, _, _, claims = flagged
    first = source.revisions.get(number=1)
    passage_detach(passage=envoy, seen=review_state(envoy), by=editor)
    envoy.refresh_from_db()
    assert (envoy.anchor_status, envoy.needs_review) == ("orphaned", False)
    assert envoy.is_detached
    # Never the new text's words: the claim rests on what the report said when it was marked.
    assert envoy.revision_anchored_id == first.pk
    assert envoy.quote == "Gabe Witkoff cut off the talks"
    assert first.text[envoy.start : envoy.end] == envoy.quote
    assert claims["envoy"].evidence.get().passage_id == envoy.pk
    assert not Passage.objects.filter(to_review(), pk=envoy.pk).exists()
    record = envoy.history.order_by("-history_date", "-history_id").first()
    assert record.history_change_reason == "detached from the text, back on its words of revision 1"


def test_detaching_an_orphan_takes_it_off_the_review_queue(flagged, editor):
    _, _, _, aside, *_ = flagged
    before = (aside.start, aside.end, aside.revision_anchored_id)
    passage_detach(passage=aside, seen=review_state(aside), by=editor)
    aside.refresh_from_db()
    assert (aside.start, aside.end, aside.revision_anchored_id) == before
    assert aside.is_detached
    assert not Passage.objects.filter(to_review(), pk=aside.pk).exists()


def test_a_passage_not_flagged_is_not_detached(flagged, editor):
    *_, figure, _ = flagged
    with pytest.raises(ValidationError, match="not flagged"):
        passage_detach(passage=figure, seen=review_state(figure), by=editor)


def test_a_detached_passage_can_be_moved_back_onto_the_text(flagged, editor):
    _, revision, envoy, *_ = flagged
    passage_detach(passage=envoy, seen=review_state(envoy), by=editor)
    envoy.refresh_from_db()
    words = "Steve Witkoff cut off the talks"
    start = revision.text.index(words)
    passage_move(
        passage=envoy,
        start=start,
        end=start + len(words),
        revision_number=revision.number,
        seen=review_state(envoy),
        by=editor,
    )
    envoy.refresh_from_db()
    assert (envoy.anchor_status, envoy.revision_anchored_id) == ("anchored", revision.pk)
