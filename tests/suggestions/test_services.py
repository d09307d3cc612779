"""Stored suggestions: computed per revision, decisions kept across visits and revisions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from dealtracker.sources.models import Passage
from dealtracker.sources.services import source_create, source_revise
from dealtracker.suggestions import services
from dealtracker.suggestions.models import Suggestion, SuggestionRun
from dealtracker.suggestions.services import (
    SuggestionGone,
    open_suggestions,
    suggestion_accept,
    suggestion_dismiss,
    suggestion_restore,
    suggestions_current,
    suggestions_refresh,
)

from .test_engine import REPORT

WITHDRAWAL = "The Arvenian army did not begin its withdrawal"
VIOLATION = "NLF fighters violated the truce near Dorr"


def one(run, words) -> Suggestion:
    return Suggestion.objects.get(revision_id=run.revision_id, sentence__contains=words)


@pytest.fixture
def source(truce, editor):
    return source_create(text=REPORT, title="Varn valley report", by=editor)


@pytest.mark.django_db
def test_a_revision_is_computed_once_and_its_suggestions_ranked(source):
    run = suggestions_current(source=source)
    assert run.suggested == Suggestion.objects.filter(revision_id=run.revision_id).count() >= 4
    assert suggestions_current(source=source).pk == run.pk  # read, not computed again
    ranks = list(open_suggestions(run=run).values_list("rank", flat=True))
    assert ranks == sorted(ranks) and ranks[0] == 1
    best = open_suggestions(run=run).first()
    assert WITHDRAWAL in best.sentence
    assert [n.party.slug for n in best.named.select_related("party")] == ["arvenia"]


@pytest.mark.django_db
def test_new_rules_recompute_and_keep_decisions(source, editor, monkeypatch):
    run = suggestions_current(source=source)
    suggestion_dismiss(suggestion=one(run, VIOLATION), by=editor)
    monkeypatch.setattr(services, "RULES_VERSION", services.RULES_VERSION + 1)
    again = suggestions_current(source=source)
    assert again.rules_version == services.RULES_VERSION
    assert one(again, VIOLATION).status == Suggestion.Status.DISMISSED
    assert (
        Suggestion.objects.filter(revision_id=run.revision_id, sentence__contains=VIOLATION).count()
        == 1
    )


@pytest.mark.django_db
def test_accepting_marks_the_sentence_through_the_passage_service(source, editor):
    run = suggestions_current(source=source)
    suggestion = one(run, WITHDRAWAL)
    marked = suggestion_accept(suggestion=suggestion, by=editor)
    passage = marked.passage
    assert marked.created and passage.quote == suggestion.sentence
    assert (passage.start, passage.end) == (suggestion.start, suggestion.end)
    assert passage.suffix == source.text[passage.end : passage.end + 32]  # computed here
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED and suggestion.passage_id == passage.pk
    assert suggestion.decided_by == editor
    # A marked sentence leaves the open list; accepting twice reuses the passage.
    assert not open_suggestions(run=run).filter(pk=suggestion.pk).exists()
    assert suggestion_accept(suggestion=suggestion, by=editor).passage.pk == passage.pk
    assert Passage.objects.count() == 1


@pytest.mark.django_db
def test_a_hand_marked_sentence_is_left_out_of_the_suggestions(source, editor):
    from dealtracker.sources.passages import passage_mark

    run = suggestions_current(source=source)
    suggestion = one(run, VIOLATION)
    passage_mark(source=source, start=suggestion.start + 4, end=suggestion.start + 12, by=editor)
    assert not open_suggestions(run=run).filter(pk=suggestion.pk).exists()


@pytest.mark.django_db
def test_dismissed_stays_dismissed_across_revisions_even_with_a_word_corrected(source, editor):
    run = suggestions_current(source=source)
    suggestion_dismiss(suggestion=one(run, VIOLATION), by=editor)
    suggestion_dismiss(suggestion=one(run, "40 trucks"), by=editor)
    # A revision that adds a sentence before both and corrects a word inside one.
    text = "Fighting flared again on Monday, witnesses said.\n" + REPORT.replace(
        "violated the truce near Dorr", "violated the truce close to Dorr"
    )
    source_revise(source=source, new_text=text, by=editor)
    new = suggestions_refresh(source=source)
    assert new.revision_id != run.revision_id
    edited = one(new, "violated the truce close to Dorr")
    same = one(new, "40 trucks")
    assert edited.status == same.status == Suggestion.Status.DISMISSED
    assert edited.decided_by == editor
    # The old text's suggestions are gone: its decisions live on in the new one.
    assert not Suggestion.objects.filter(revision_id=run.revision_id).exists()
    # Undone, it comes back; and that decision too follows the next revision.
    suggestion_restore(suggestion=edited, by=editor)
    source_revise(source=source, new_text=text + "\nNothing else happened.", by=editor)
    assert one(suggestions_refresh(source=source), "close to Dorr").status == "open"


@pytest.mark.django_db
def test_a_suggestion_for_an_older_text_cannot_be_decided(source, editor):
    run = suggestions_current(source=source)
    old = one(run, VIOLATION)
    source_revise(source=source, new_text=REPORT + "\nMore fighting followed.", by=editor)
    for act in (suggestion_accept, suggestion_dismiss):
        with pytest.raises(SuggestionGone):
            act(suggestion=old, by=editor)
    assert not Passage.objects.exists()


@pytest.mark.django_db
def test_nothing_to_suggest_is_remembered_too(truce, editor):
    quiet = source_create(text="The weather was mild all week.", title="Weather", by=editor)
    run = suggestions_current(source=quiet)
    assert run.suggested == 0 and SuggestionRun.objects.filter(source=quiet).count() == 1


def race(act) -> tuple[list, list]:
    """Run act() in two threads at once, each with its own connection: (results, errors)."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(act())
        except Exception as exc:  # noqa: BLE001 — reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_editors_accepting_the_same_suggestion_get_one_passage(truce, editor):
    source = source_create(text=REPORT, title="Race", by=editor)
    suggestion = one(suggestions_current(source=source), WITHDRAWAL)
    results, errors = race(lambda: suggestion_accept(suggestion=suggestion, by=editor).passage.pk)
    assert not errors and len(results) == 2 and results[0] == results[1]
    assert Passage.objects.filter(source=source).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_opening_a_new_source_at_once_compute_it_once(truce, editor):
    source = source_create(text=REPORT, title="Race", by=editor)
    runs, errors = race(lambda: suggestions_current(source=source).pk)
    assert not errors and len(runs) == 2 and len(set(runs)) == 1
    run = SuggestionRun.objects.get(source=source)
    assert Suggestion.objects.filter(revision_id=run.revision_id).count() == run.suggested
