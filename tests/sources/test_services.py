"""Adding, revising and deleting sources (dealtracker.sources.services), against PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dealtracker.claims.models import Claim, Evidence
from dealtracker.sources.anchoring import quote_selector
from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import Passage, Reanchoring, Source, SourceRevision
from dealtracker.sources.services import (
    DuplicateKind,
    DuplicateSource,
    SourceInUse,
    source_create,
    source_delete,
    source_find_duplicate,
    source_revise,
)
from tests.annotating import FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED

pytestmark = pytest.mark.django_db

REPORT, CORRECTED = FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED


def mark(source: Source, quote: str, *, occurrence: int = 0) -> Passage:
    """A passage on the source's current text (what the reading view's marking does)."""
    revision = source.revisions.order_by("-number").first()
    start = -1
    for _ in range(occurrence + 1):
        start = revision.text.index(quote, start + 1)
    end = start + len(quote)
    quote, prefix, suffix = quote_selector(revision.text, start, end)
    return Passage.objects.create(
        source=source,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        revision_made=revision,
        revision_anchored=revision,
    )


def test_source_create_stores_canonical_text_and_revision_one(editor):
    source = source_create(
        text="Cafe\u0301 talks\r\n\r\n\r\nsecond\tline  \x07with a bell ",
        title="  A report ",
        url="https://news.example/a",
        by=editor,
    )
    assert source.text == "Café talks\n\nsecond line with a bell"
    assert source.text_hash == text_hash(source.text)
    assert source.title == "A report"
    (revision,) = source.revisions.all()
    assert (revision.number, revision.text, revision.created_by) == (1, source.text, editor)
    assert source.history.first().history_user == editor


@pytest.mark.parametrize("text", ["", "   \n\t\n ", "\x00\x01"])
def test_source_create_refuses_empty_text(editor, text):
    with pytest.raises(ValidationError, match="empty"):
        source_create(text=text, title="Nothing", by=editor)
    assert not Source.objects.exists()


def test_source_create_refuses_text_over_the_size_limit(editor, settings):
    settings.SOURCE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="limit is 100 bytes"):
        source_create(text="é" * 60, title="Too long", by=editor)
    assert not Source.objects.exists()


def test_the_same_url_with_the_same_text_leads_to_the_existing_source(editor):
    first = source_create(text=REPORT, title="Report", url="https://news.example/a", by=editor)
    with pytest.raises(DuplicateSource) as caught:
        source_create(text=REPORT + "\n", title="Again", url="https://news.example/a", by=editor)
    assert caught.value.duplicate.kind == DuplicateKind.SAME
    assert caught.value.duplicate.source == first
    assert Source.objects.count() == 1


def test_the_same_text_pasted_without_url_leads_to_the_existing_source(editor):
    first = source_create(text=REPORT, title="Report", by=editor)
    found = source_find_duplicate(url="", text_hash=text_hash(REPORT))
    assert found.kind == DuplicateKind.SAME and found.source == first
    with pytest.raises(DuplicateSource):
        source_create(text="  " + REPORT, title="Report", by=editor)


def test_the_same_url_with_new_text_is_offered_as_a_revision(editor):
    first = source_create(text=REPORT, title="Report", url="https://news.example/a", by=editor)
    with pytest.raises(DuplicateSource) as caught:
        source_create(text=CORRECTED, title="Report", url="https://news.example/a", by=editor)
    assert caught.value.duplicate.kind == DuplicateKind.NEW_TEXT
    assert caught.value.duplicate.source == first
    assert "Revise it" in str(caught.value)


def test_a_wire_copy_is_flagged_and_can_be_added_as_a_copy(editor):
    first = source_create(text=REPORT, title="Report", url="https://wire.example/a", by=editor)
    with pytest.raises(DuplicateSource) as caught:
        source_create(text=REPORT, title="Copy", url="https://paper.example/b", by=editor)
    assert caught.value.duplicate.kind == DuplicateKind.WIRE_COPY
    copy = source_create(
        text=REPORT, title="Copy", url="https://paper.example/b", copy_of=first, by=editor
    )
    assert copy.duplicate_of == first
    assert copy.text_hash == first.text_hash


def test_revising_re_anchors_passages_before_inside_and_after_an_edit(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    before = mark(source, "release all remaining Israeli hostages")
    inside = mark(source, "White House advisor Gabe Witkoff")
    dropped = mark(source, "the corrected report drops altogether")
    after = mark(source, "More than 50,000 Palestinians have died")
    claim = Claim.objects.create(statement="Witkoff cut off the talks")
    evidence = Evidence.objects.create(claim=claim, passage=inside)

    outcome = source_revise(source=source, new_text=CORRECTED, note="Envoy's name", by=editor)

    assert outcome.revision.number == 2
    assert outcome.revision.note == "Envoy's name"
    source.refresh_from_db()
    assert source.text == CORRECTED
    assert list(source.revisions.values_list("number", flat=True)) == [1, 2]
    assert SourceRevision.objects.get(source=source, number=1).text == REPORT

    for passage in (before, inside, dropped, after):
        passage.refresh_from_db()
    assert before.anchor_status == "anchored"
    assert (before.start, before.quote) == (CORRECTED.index(before.quote), before.quote)
    assert after.anchor_status == "moved"
    assert (
        CORRECTED[after.start : after.end]
        == after.quote
        == "More than 50,000 Palestinians have died"
    )
    assert not after.needs_review
    assert inside.anchor_status == "changed"
    assert "Steve Witkoff" in inside.quote
    assert CORRECTED[inside.start : inside.end] == inside.quote
    assert inside.previous_quote == "White House advisor Gabe Witkoff"
    assert inside.needs_review
    # Orphaned: kept, tied to the last revision it matched, flagged.
    assert dropped.anchor_status == "orphaned"
    assert dropped.needs_review
    assert dropped.revision_anchored.number == 1
    assert dropped.quote == "the corrected report drops altogether"
    for passage in (before, inside, after):
        assert passage.revision_anchored == outcome.revision
        assert passage.revision_made.number == 1

    evidence.refresh_from_db()
    assert evidence.passage == inside
    assert outcome.counts == {"anchored": 1, "moved": 1, "changed": 1, "orphaned": 1}
    assert {r.passage_id for r in outcome.to_review} == {inside.pk, dropped.pk}
    rows = {r.passage_id: r for r in Reanchoring.objects.filter(to_revision=outcome.revision)}
    assert len(rows) == 4
    assert rows[inside.pk].old_quote == "White House advisor Gabe Witkoff"
    assert "Steve" in rows[inside.pk].new_quote
    assert rows[dropped.pk].new_start is None and rows[dropped.pk].status == "orphaned"
    assert rows[after.pk].old_start == REPORT.index("More than") and rows[after.pk].method
    # Each passage's history records the re-anchoring, by whom.
    assert inside.history.first().history_user == editor
    assert inside.history.first().history_change_reason == "re-anchored to revision 2"


def test_an_orphaned_passage_is_retried_and_comes_back_when_its_words_return(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    dropped = mark(source, "the corrected report drops altogether")
    source_revise(source=source, new_text=CORRECTED, by=editor)
    dropped.refresh_from_db()
    assert dropped.anchor_status == "orphaned"

    outcome = source_revise(source=source, new_text=REPORT, note="Restored the aside", by=editor)

    dropped.refresh_from_db()
    assert dropped.anchor_status != "orphaned"
    assert dropped.revision_anchored == outcome.revision
    assert REPORT[dropped.start : dropped.end] == dropped.quote
    # It was lost once: an editor should look at it again.
    assert dropped.needs_review
    (row,) = outcome.reanchorings
    assert row.from_revision.number == 1 and row.to_revision.number == 3


def test_revising_to_whitespace_only_changes_makes_no_revision(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    mark(source, "release all remaining Israeli hostages")
    outcome = source_revise(
        source=source, new_text=REPORT.replace(" ", "  ") + "\r\n\r\n", by=editor
    )
    assert outcome.unchanged
    assert source.revisions.count() == 1
    assert not Reanchoring.objects.exists()


def test_revising_to_empty_text_is_refused_and_nothing_changes(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    mark(source, "release all remaining Israeli hostages")
    with pytest.raises(ValidationError):
        source_revise(source=source, new_text=" \n ", by=editor)
    source.refresh_from_db()
    assert source.text == REPORT and source.revisions.count() == 1


def test_a_source_without_evidence_is_deleted_with_its_passages_and_revisions(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    mark(source, "release all remaining Israeli hostages")
    source_delete(source=source)
    assert not Source.objects.exists()
    assert not Passage.objects.exists()
    assert not SourceRevision.objects.exists()


def test_deleting_a_source_that_evidence_rests_on_is_refused_saying_what_points_at_it(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    passage = mark(source, "release all remaining Israeli hostages")
    claim = Claim.objects.create(statement="Hamas offers to free every hostage")
    Evidence.objects.create(claim=claim, passage=passage)
    with pytest.raises(SourceInUse) as caught:
        source_delete(source=source)
    message = str(caught.value)
    assert f"claim {claim.pk}" in message
    assert "Hamas offers to free every hostage" in message
    assert "Unlink" in message
    assert Source.objects.filter(pk=source.pk).exists()
    assert Passage.objects.filter(pk=passage.pk).exists()


def test_correcting_a_word_in_the_demo_report_keeps_every_passage_where_it_belongs(demo, editor):
    """The lead's check: correct “Gabe” to “Steve” in the sample report."""
    source = Source.objects.get(text__contains="Gabe Witkoff")
    before = {p.pk: (p.start, p.end, p.quote) for p in source.passages.all()}
    assert len(before) >= 3
    evidence_before = set(
        Evidence.objects.filter(passage__source=source).values_list("id", "passage_id")
    )
    corrected = source.text.replace("Gabe Witkoff", "Steve Witkoff")

    outcome = source_revise(source=source, new_text=corrected, note="Envoy's first name", by=editor)

    shift = len("Steve") - len("Gabe")
    edit_at = source.text.index("Gabe Witkoff")
    for passage in source.passages.all():
        start, end, quote = before[passage.pk]
        assert corrected[passage.start : passage.end] == passage.quote
        if "Gabe" in quote:
            assert passage.anchor_status == "changed"
            assert passage.quote == quote.replace("Gabe", "Steve")
            assert passage.previous_quote == quote
        elif end <= edit_at:
            assert (passage.start, passage.quote) == (start, quote)
            assert passage.anchor_status in ("anchored", "moved")
        else:
            assert (passage.start, passage.quote) == (start + shift, quote)
            assert passage.anchor_status == "moved"
    assert outcome.counts["orphaned"] == 0
    assert (
        set(Evidence.objects.filter(passage__source=source).values_list("id", "passage_id"))
        == evidence_before
    )


def test_re_anchoring_counts_code_points_through_emoji_and_arabic(editor):
    text = "🕊️ الهدنة صامدة في غزة.\nقال المسؤول إن المرحلة الثانية ستبدأ في الثاني من آذار.\nThe truce 🤝 holds, officials said."
    source = source_create(text=text, title="هدنة", language="ar", by=editor)
    second = mark(source, "المرحلة الثانية ستبدأ")
    third = mark(source, "The truce 🤝 holds")
    new_text = "🕊️🕊️ الهدنة صامدة في كل غزة.\n" + text.split("\n", 1)[1]
    source_revise(source=source, new_text=new_text, by=editor)
    for passage in (second, third):
        passage.refresh_from_db()
        assert new_text[passage.start : passage.end] == passage.quote
        assert passage.anchor_status == "moved"


def test_the_same_url_written_differently_is_still_the_same_source(editor):
    first = source_create(text=REPORT, title="Report", url="https://News.Example/a#top", by=editor)
    assert first.url == "https://news.example/a"
    with pytest.raises(DuplicateSource) as caught:
        source_create(text=CORRECTED, title="Report", url="HTTPS://news.example/a", by=editor)
    assert caught.value.duplicate.kind == DuplicateKind.NEW_TEXT


def test_an_orphan_that_stays_orphaned_is_not_rewritten_but_its_outcome_is_recorded(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    dropped = mark(source, "the corrected report drops altogether")
    source_revise(source=source, new_text=CORRECTED, by=editor)
    dropped.refresh_from_db()
    stamped, histories = dropped.updated_at, dropped.history.count()

    outcome = source_revise(source=source, new_text=CORRECTED + "\nA line added.", by=editor)

    dropped.refresh_from_db()
    assert dropped.anchor_status == "orphaned" and dropped.revision_anchored.number == 1
    assert dropped.updated_at == stamped
    assert dropped.history.count() == histories
    assert [r.status for r in outcome.reanchorings] == ["orphaned"]
    assert Reanchoring.objects.filter(to_revision=outcome.revision, passage=dropped).exists()


def test_every_re_anchored_passage_gets_one_history_row_with_its_new_span(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    inside = mark(source, "White House advisor Gabe Witkoff")
    after = mark(source, "More than 50,000 Palestinians have died")

    outcome = source_revise(source=source, new_text=CORRECTED, by=editor)

    for passage in (inside, after):
        passage.refresh_from_db()
        latest = passage.history.first()
        assert passage.history.filter(history_type="~").count() == 1
        assert latest.history_type == "~"
        assert latest.history_user == editor
        assert latest.history_change_reason == "re-anchored to revision 2"
        assert (latest.start, latest.end, latest.quote) == (
            passage.start,
            passage.end,
            passage.quote,
        )
        assert latest.revision_anchored_id == outcome.revision.pk
        assert passage.updated_at == latest.history_date


def test_a_re_anchored_quote_is_found_by_its_new_words(editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    inside = mark(source, "White House advisor Gabe Witkoff")
    source_revise(source=source, new_text=CORRECTED, by=editor)
    found = Passage.objects.filter(search_vector=SearchQuery("Steve", config="simple"))
    assert list(found) == [inside]


def test_a_passage_cannot_be_moved_past_the_end_of_its_revisions_text(editor):
    source = source_create(text="Short text of the report.", title="Report", by=editor)
    passage = mark(source, "the report")
    with pytest.raises(IntegrityError, match="past the end"), transaction.atomic():
        Passage.objects.filter(pk=passage.pk).update(start=30, end=40, quote="x" * 10)
    other = source_create(text=REPORT, title="Longer", by=editor)
    longer = other.revisions.get()
    # Moved to a revision long enough for it: accepted.
    Passage.objects.filter(pk=passage.pk).update(revision_anchored=longer, start=30, end=40)
    with pytest.raises(IntegrityError, match="past the end"), transaction.atomic():
        Passage.objects.filter(pk=passage.pk).update(
            revision_anchored=source.revisions.get(), quote="x" * 10
        )


def test_revising_a_source_with_many_passages_takes_a_bounded_number_of_queries(
    editor, django_assert_max_num_queries
):
    text = " ".join(f"Sentence number {i} of the long report." for i in range(300))
    source = source_create(text=text, title="Long report", by=editor)
    for i in range(0, 300, 2):
        mark(source, f"Sentence number {i} of")
    corrected = "Corrected: " + text
    with django_assert_max_num_queries(15):
        outcome = source_revise(source=source, new_text=corrected, by=editor)
    assert outcome.counts["moved"] == 150
    assert all(corrected[p.start : p.end] == p.quote for p in Passage.objects.filter(source=source))


def test_the_current_revision_is_the_highest_numbered_one_in_every_shape_of_query(editor):
    source = source_create(text="First text of the report.", title="A report", by=editor)
    source_revise(source=source, new_text="Second text of the report.", by=editor)
    current = source.revisions.current()
    assert current.number == 2 and current.text == "Second text of the report."
    assert source.revisions.values_list("number", flat=True).current() == 2
    assert source.revisions.only("id").current().pk == current.pk
    assert SourceRevision.objects.filter(source=source).current() == current
    assert SourceRevision.objects.none().current() is None


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("bell\x07and\x00nul.pdf", "bellandnul.pdf"),  # dropped, as text.strip_controls does
        ("evil\u202efdp.exe.pdf", "evilfdp.exe.pdf"),  # a bidi override would disguise it
        ("tab\tand\nbreak.pdf", "tab and break.pdf"),
    ],
)
def test_an_uploaded_files_name_follows_the_one_control_character_policy(name, kept):
    from dealtracker.sources.services import document_filename
    from dealtracker.text import single_line

    assert document_filename(name, "pdf") == kept == single_line(kept)
