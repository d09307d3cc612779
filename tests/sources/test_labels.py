"""Passage labels (P1, P2, ...): given once when a passage is marked, never changed, never reused."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import passage_delete, passage_mark
from dealtracker.sources.services import source_create, source_delete
from dealtracker.sources.undelete import source_restore
from tests.annotating import REPORT, span_of
from tests.factories import make_source


def _mark(source: Source, words: str) -> Passage:
    start, end = span_of(source, words)
    return passage_mark(source=source, start=start, end=end).passage


def _labels_in_page(client, source: Source) -> dict[str, str]:
    """Label shown next to each highlight of the reading view -> the passage's quote."""
    page = client.get(f"/sources/{source.pk}/").content.decode()
    found = re.findall(
        r'data-label="(P\d+)" aria-label="Passage P\d+, \d+ claims?: “([^”]*)”', page
    )
    return dict(found)


@pytest.mark.django_db
def test_marking_a_passage_earlier_in_the_text_changes_no_label(editor_client):
    source = make_source(REPORT)
    later = _mark(source, "Gabe Witkoff")
    middle = _mark(source, "the official accused Israel")
    before = _labels_in_page(editor_client, source)
    assert before == {later.label: "Gabe Witkoff", middle.label: "the official accused Israel"}
    assert (later.label, middle.label) == ("P1", "P2")

    first = _mark(source, "Hamas is prepared")  # before both, in the text
    after = _labels_in_page(editor_client, source)
    assert after == {**before, "P3": "Hamas is prepared"}
    assert first.label == "P3"


@pytest.mark.django_db
def test_a_label_is_never_given_twice_not_even_after_a_deletion(editor):
    source = make_source(REPORT)
    one = _mark(source, "Gabe Witkoff")
    two = _mark(source, "the official accused Israel")
    passage_delete(passage=two, by=editor)
    three = _mark(source, "Hamas is prepared")
    assert (one.number, three.number) == (1, 3)
    source.refresh_from_db()
    assert source.last_passage_number == 3


@pytest.mark.django_db
def test_each_source_numbers_its_own_passages():
    one, other = make_source(REPORT), make_source(REPORT + "\n\nAnother line.", title="Other")
    assert _mark(one, "Gabe Witkoff").label == "P1"
    assert _mark(other, "Gabe Witkoff").label == "P1"
    assert _mark(one, "Hamas is prepared").label == "P2"


@pytest.mark.django_db
def test_a_passage_label_cannot_be_changed():
    passage = _mark(make_source(REPORT), "Gabe Witkoff")
    with pytest.raises(IntegrityError, match="label never changes"), transaction.atomic():
        Passage.objects.filter(pk=passage.pk).update(number=7)


@pytest.mark.django_db
def test_saving_a_source_read_before_a_passage_was_marked_does_not_lower_its_counter():
    source = make_source(REPORT)
    stale = Source.objects.get(pk=source.pk)
    _mark(source, "Gabe Witkoff")
    stale.title = "Renamed"
    stale.save()  # writes last_passage_number = 0 back
    assert _mark(source, "Hamas is prepared").label == "P2"


@pytest.mark.django_db
def test_a_restored_source_keeps_its_passages_labels(editor):
    source = source_create(text=REPORT, title="To delete", by=editor)
    labels = {
        p.pk: p.label
        for p in (
            _mark(source, "Gabe Witkoff"),
            _mark(source, "the official accused Israel"),
            _mark(source, "Hamas is prepared"),
        )
    }
    source_delete(source=source)
    source_restore(source_id=source.pk, by=editor)
    restored = Source.objects.get(pk=source.pk)
    assert {p.pk: p.label for p in restored.passages.all()} == labels
    assert _mark(restored, "White House").label == "P4"


@pytest.mark.django_db
def test_history_records_the_label_of_a_marked_passage():
    passage = _mark(make_source(REPORT), "Gabe Witkoff")
    assert passage.history.get().number == passage.number == 1


# --- the migration that numbered existing passages --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_passages_as_the_reading_view_showed_them():
    executor = MigrationExecutor(connection)
    before, after = (
        ("sources", "0006_source_documents_and_pages"),
        ("sources", "0007_passage_labels"),
    )
    executor.migrate([before])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO sources_source (kind, title, outlet, author, attribution, url,"
                " language, text, text_hash, created_at, updated_at)"
                " VALUES ('news_report', 't', '', '', '', '', 'en', 'abcdefghij', 'h', now(), now())"
                " RETURNING id"
            )
            (source_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO sources_sourcerevision (source_id, number, text, text_hash, note,"
                " created_at) VALUES (%s, 1, 'abcdefgh', 'h1', '', now()),"
                " (%s, 2, 'abcdefghij', 'h2', '', now()) RETURNING id",
                [source_id, source_id],
            )
            old_revision, current = (row[0] for row in cursor.fetchall())
            rows = [
                # (start, end, revision, status): ids in this order
                (6, 8, current, "anchored"),  # shown third
                (0, 4, old_revision, "orphaned"),  # not shown: numbered after the shown ones
                (0, 2, current, "moved"),  # shown second (shorter, same start)
                (0, 5, current, "anchored"),  # shown first
            ]
            ids = []
            for start, end, revision, status in rows:
                cursor.execute(
                    'INSERT INTO sources_passage (source_id, start, "end", quote, prefix, suffix,'
                    " revision_made_id, revision_anchored_id, anchor_status, needs_review,"
                    " previous_quote, note, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, '', '', %s, %s, %s, false, '', '', now(), now())"
                    " RETURNING id",
                    [source_id, start, end, "abcdefghij"[start:end], revision, revision, status],
                )
                ids.append(cursor.fetchone()[0])
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number FROM sources_passage WHERE source_id = %s", [source_id]
            )
            numbers = dict(cursor.fetchall())
            cursor.execute(
                "SELECT last_passage_number FROM sources_source WHERE id = %s", [source_id]
            )
            (last,) = cursor.fetchone()
        assert [numbers[i] for i in ids] == [3, 4, 2, 1]
        assert last == 4
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
