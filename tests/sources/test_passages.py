"""Marking passages: offsets checked against the current text, quote computed here."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dealtracker.claims.models import Evidence
from dealtracker.sources import services
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.passages import (
    PassageInUse,
    offsets_from_utf16,
    parse_offset,
    passage_delete,
    passage_mark,
    passage_update_note,
)
from dealtracker.sources.services import source_revise
from tests.annotating import ARABIC, REPORT, span_of
from tests.factories import make_draft_claim, make_source

pytestmark = pytest.mark.django_db


def test_marking_computes_quote_and_context_from_the_stored_text(editor):
    source = make_source(REPORT)
    start, end = span_of(source, "the official accused Israel")
    marked = passage_mark(source=source, start=start, end=end, by=editor)
    passage = marked.passage
    assert marked.created and not marked.trimmed
    assert passage.quote == "the official accused Israel"
    assert passage.prefix == source.text[start - 32 : start]
    assert passage.suffix == source.text[end : end + 32]
    assert passage.revision_made == passage.revision_anchored == source.revisions.get()
    assert passage.created_by == editor


def test_marking_the_same_span_twice_reuses_the_passage(editor):
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    first = passage_mark(source=source, start=start, end=end, by=editor)
    again = passage_mark(source=source, start=start, end=end, by=editor)
    assert again.passage.pk == first.passage.pk and not again.created
    assert Passage.objects.count() == 1


def test_spaces_and_line_breaks_around_a_selection_are_trimmed_and_reported(editor):
    source = make_source(REPORT)
    start, end = span_of(source, "said.\n\nThe second")
    marked = passage_mark(source=source, start=start + 5, end=end, by=editor)
    assert marked.trimmed
    assert marked.passage.quote == "The second"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (10, 10, "Nothing is selected"),
        (20, 10, "Nothing is selected"),
        (0, 10_000, "past the end"),
        (10_000, 10_001, "past the end"),
    ],
)
def test_bad_offsets_are_refused_with_a_message_and_nothing_is_created(start, end, message):
    source = make_source(REPORT)
    with pytest.raises(ValidationError) as error:
        passage_mark(source=source, start=start, end=end)
    assert message in " ".join(error.value.messages)
    assert not Passage.objects.exists()


def test_a_selection_of_only_spaces_is_refused():
    source = make_source(REPORT)
    start = source.text.index("\n\n")
    with pytest.raises(ValidationError, match="Only spaces"):
        passage_mark(source=source, start=start, end=start + 2)


@pytest.mark.parametrize("value", ["", None, "abc", "1.5", "-3", "1e3"])
def test_offsets_must_be_whole_non_negative_numbers(value):
    with pytest.raises(ValidationError):
        parse_offset(value, "start")


def test_offsets_are_checked_against_the_current_revision_not_the_first(editor):
    source = make_source("Short first text.")
    longer = "Short first text. And a second sentence added later."
    SourceRevision.objects.create(source=source, number=2, text=longer, text_hash="x")
    source.text = longer
    source.save()
    start = longer.index("And a second")
    marked = passage_mark(source=source, start=start, end=len(longer), by=editor)
    assert marked.passage.quote == "And a second sentence added later."
    assert marked.passage.revision_anchored.number == 2


def test_a_selection_made_on_a_page_opened_before_a_revision_is_checked_against_the_new_text(
    editor,
):
    source = make_source("Short first text.")
    opened = Source.objects.get(pk=source.pk)  # the page the editor selected on
    source_revise(source=source, new_text="Longer text now. Short first text.", by=editor)
    start, end = 0, len("Longer text now.")  # offsets the new text's page sends
    marked = passage_mark(source=opened, start=start, end=end, by=editor)
    assert marked.passage.quote == "Longer text now."
    assert marked.passage.revision_anchored.number == 2
    assert marked.passage.revision_made.number == 2


@pytest.mark.django_db(transaction=True)
def test_a_passage_marked_while_a_revision_is_saved_ends_on_the_new_revision(monkeypatch):
    old = "The official accused Israel of refusing to honor the deal."
    new = "On Monday, the official accused Israel of refusing to honor the deal."
    source = make_source(old)
    start, end = 0, len("The official accused Israel")  # valid offsets in both texts
    revising, marking = threading.Event(), threading.Event()
    reanchor = services.anchoring.reanchor

    def slow_reanchor(*args, **kwargs):
        # The revision is written but not committed, the source row is locked:
        # let the marking start now and give it time to go wrong.
        revising.set()
        marking.wait(5)
        time.sleep(0.5)
        return reanchor(*args, **kwargs)

    monkeypatch.setattr(services.anchoring, "reanchor", slow_reanchor)
    honor = old.index("honor")
    passage_mark(source=source, start=honor, end=honor + 5)  # one to re-anchor too
    errors: list[BaseException] = []

    def revise():
        try:
            source_revise(source=source, new_text=new, by=None)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def mark():
        try:
            revising.wait(5)
            marking.set()
            passage_mark(source=source, start=start, end=end)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=revise), threading.Thread(target=mark)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    newest = SourceRevision.objects.get(source=source, number=2)
    for passage in Passage.objects.filter(source=source).select_related("revision_anchored"):
        assert passage.revision_anchored == newest
        assert passage.quote == newest.text[passage.start : passage.end]
    marked = Passage.objects.get(source=source, start=start, end=end)
    assert marked.quote == new[start:end] == "On Monday, the official acc"


def test_utf16_offsets_from_the_browser_become_code_points_for_arabic_and_emoji():
    text = ARABIC
    words = "صامد في غزة"
    start = text.index(words)
    end = start + len(words)
    # The browser counts the dove (U+1F54A) as two UTF-16 units.
    utf16_start = len(text[:start].encode("utf-16-le")) // 2
    utf16_end = len(text[:end].encode("utf-16-le")) // 2
    assert utf16_start == start + 1
    assert offsets_from_utf16(text, utf16_start, utf16_end) == (start, end)


def test_utf16_offset_splitting_an_emoji_is_refused():
    text = ARABIC
    dove = text.index("🕊")
    inside = len(text[:dove].encode("utf-16-le")) // 2 + 1
    with pytest.raises(ValidationError):
        offsets_from_utf16(text, inside, inside + 3)


def test_marking_arabic_with_emoji_quotes_exactly_the_span():
    source = make_source(ARABIC, language="ar")
    start, end = span_of(source, "إسرائيل رفضت المرحلة الثانية 😠")
    passage = passage_mark(source=source, start=start, end=end).passage
    assert passage.quote == "إسرائيل رفضت المرحلة الثانية 😠"
    assert len(passage.quote) == passage.end - passage.start


def test_note_is_saved_as_typed(editor):
    source = make_source(REPORT)
    passage = passage_mark(source=source, start=0, end=5).passage
    passage_update_note(passage=passage, note="  <script>alert(1)</script>  ", by=editor)
    passage.refresh_from_db()
    assert passage.note == "<script>alert(1)</script>"


def test_a_passage_nothing_rests_on_can_be_deleted():
    source = make_source(REPORT)
    passage = passage_mark(source=source, start=0, end=5).passage
    passage_delete(passage=passage)
    assert not Passage.objects.exists()


def test_deleting_a_passage_evidence_rests_on_is_refused_naming_the_claims():
    source = make_source(REPORT)
    passage = passage_mark(source=source, start=0, end=5).passage
    claim = make_draft_claim("Hamas offers to release everyone")
    Evidence.objects.create(claim=claim, passage=passage)
    with pytest.raises(PassageInUse) as refusal:
        passage_delete(passage=passage)
    assert f"claim {claim.pk}" in str(refusal.value)
    assert "Hamas offers to release everyone" in str(refusal.value)
    assert Passage.objects.filter(pk=passage.pk).exists()
