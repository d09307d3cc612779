"""Claim and evidence writes: rules, optimistic concurrency, deleting with history."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dealtracker.claims.models import Claim, Evidence, VerificationChange
from dealtracker.claims.services import (
    ClaimChanged,
    claim_create,
    claim_delete,
    claim_publish,
    claim_unpublish,
    claim_update,
    claim_verification_set,
    deal_for_new_claim,
    evidence_link,
    evidence_unlink,
    evidence_update,
)
from dealtracker.sources.passages import passage_mark
from tests.annotating import REPORT, span_of
from tests.factories import (
    make_clause,
    make_deal,
    make_draft_claim,
    make_party,
    make_phase,
    make_source,
)

pytestmark = pytest.mark.django_db


def _passage(source=None, words="Gabe Witkoff"):
    source = source or make_source(REPORT)
    start, end = span_of(source, words)
    return passage_mark(source=source, start=start, end=end).passage


def test_a_new_claim_rests_on_its_passage_in_one_go(editor):
    passage = _passage()
    israel = make_party()
    claim = claim_create(
        data={"statement": "Witkoff cut off the talks", "subjects": [israel], "kind": "other"},
        passage=passage,
        relation="states",
        note="name wrong in the report",
        by=editor,
    )
    assert claim.version == 1 and not claim.is_published and claim.created_by == editor
    assert list(claim.subjects.all()) == [israel]
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.passage, evidence.relation, evidence.note) == (
        passage,
        "states",
        "name wrong in the report",
    )


def test_compliance_is_asserted_only_by_compliance_claims():
    with pytest.raises(ValidationError) as error:
        claim_create(data={"statement": "x", "kind": "figure", "compliance": "complied"})
    assert "compliance" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        claim_create(data={"statement": "x", "kind": "compliance", "compliance": ""})
    assert "compliance" in error.value.message_dict
    assert not Claim.objects.exists()


def test_phase_and_clause_must_belong_to_the_claims_deal():
    deal, other = make_deal("a"), make_deal("b")
    phase, clause = make_phase(other), make_clause(other)
    with pytest.raises(ValidationError) as error:
        claim_create(data={"statement": "x", "deal": deal, "phase": phase, "clause": clause})
    assert {"phase", "clause"} <= set(error.value.message_dict)
    claim = claim_create(data={"statement": "x", "deal": other, "phase": phase, "clause": clause})
    assert claim.clause == clause


def test_a_failed_claim_create_leaves_no_evidence_or_claim():
    passage = _passage()
    with pytest.raises(ValidationError):
        claim_create(data={"statement": "x"}, passage=passage, relation="bogus")
    assert not Claim.objects.exists() and not Evidence.objects.exists()


def test_update_saves_and_moves_the_version_on(editor):
    claim = make_draft_claim()
    saved = claim_update(
        claim=claim, data={"statement": "Israel refused phase two"}, expected_version=1, by=editor
    )
    assert saved.claim.version == 2 and saved.merged_from_others == []
    claim.refresh_from_db()
    assert claim.statement == "Israel refused phase two"


def test_a_stale_save_is_refused_and_says_what_changed(editor):
    claim = make_draft_claim(attribution="a senior official")
    claim_update(claim=claim, data={"statement": "First editor's words"}, expected_version=1)
    with pytest.raises(ClaimChanged) as changed:
        claim_update(
            claim=claim,
            data={"statement": "Second editor's words", "attribution": "a senior official"},
            expected_version=1,
        )
    changes = {c.field: c for c in changed.value.changes}
    assert set(changes) == {"statement"}
    assert changes["statement"].opened == "Israel refused to honour phase two"
    assert changes["statement"].current == "First editor's words"
    assert changes["statement"].yours == "Second editor's words"
    claim.refresh_from_db()
    assert claim.statement == "First editor's words" and claim.version == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_the_same_version_cannot_both_win():
    claim = make_draft_claim()
    results = []
    barrier = threading.Barrier(2)

    def save(words):
        try:
            barrier.wait()
            claim_update(claim=claim, data={"statement": words}, expected_version=1)
            results.append("saved")
        except ClaimChanged:
            results.append("changed")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(w,)) for w in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["changed", "saved"]
    claim.refresh_from_db()
    assert claim.version == 2


def test_publishing_stamps_the_time_and_unpublishing_clears_it():
    claim = make_draft_claim()
    claim = claim_publish(claim=claim)
    assert claim.is_published and claim.published_at and claim.version == 2
    claim = claim_unpublish(claim=claim)
    assert not claim.is_published and claim.published_at is None


def test_verification_change_needs_a_note_and_is_recorded(editor):
    claim = make_draft_claim()
    with pytest.raises(ValidationError):
        claim_verification_set(claim=claim, status="disputed", note="  ", by=editor)
    with pytest.raises(ValidationError):
        claim_verification_set(claim=claim, status="bogus", note="why", by=editor)
    change = claim_verification_set(
        claim=claim, status="disputed", note="Reuters says otherwise", by=editor
    )
    claim.refresh_from_db()
    assert claim.verification == "disputed" and claim.version == 2
    assert (change.from_status, change.to_status, change.changed_by) == (
        "unverified",
        "disputed",
        editor,
    )
    assert VerificationChange.objects.count() == 1


def test_deleting_a_claim_takes_its_evidence_and_history_keeps_both(editor):
    passage = _passage()
    claim = claim_create(data={"statement": "x"}, passage=passage)
    claim_pk, evidence_pk = claim.pk, Evidence.objects.get().pk
    claim_delete(claim=claim, by=editor)
    assert not Claim.objects.exists() and not Evidence.objects.exists()
    assert Claim.history.filter(id=claim_pk, history_type="-").exists()
    assert Evidence.history.filter(id=evidence_pk, history_type="-").exists()
    # Restorable: the last historical rows bring both back.
    Claim.history.filter(id=claim_pk, history_type="-").first().instance.save()
    Evidence.history.filter(id=evidence_pk, history_type="-").first().instance.save()
    assert Evidence.objects.get(pk=evidence_pk).claim_id == claim_pk


def test_a_claim_links_a_passage_at_most_once_with_a_clear_error():
    passage = _passage()
    claim = make_draft_claim()
    evidence_link(claim=claim, passage=passage, relation="supports")
    with pytest.raises(ValidationError, match="already rests on this passage"):
        evidence_link(claim=claim, passage=passage, relation="disputes")
    assert Evidence.objects.count() == 1


def test_evidence_can_be_changed_and_unlinked():
    passage = _passage()
    evidence = evidence_link(claim=make_draft_claim(), passage=passage)
    evidence_update(evidence=evidence, relation="disputes", note="see Reuters")
    evidence.refresh_from_db()
    assert (evidence.relation, evidence.note) == ("disputes", "see Reuters")
    with pytest.raises(ValidationError):
        evidence_update(evidence=evidence, relation="nonsense", note="")
    evidence_unlink(evidence=evidence)
    assert not Evidence.objects.exists()


def test_the_deal_of_a_new_claim_comes_from_the_page_or_the_sources_claims():
    source = make_source(REPORT)
    deal, other = make_deal("a"), make_deal("b")
    assert deal_for_new_claim(source=source) is None
    for words in ("Gabe Witkoff", "March 2"):
        claim_create(data={"statement": words, "deal": deal}, passage=_passage(source, words))
    claim_create(data={"statement": "y", "deal": other}, passage=_passage(source, "Hamas"))
    assert deal_for_new_claim(source=source) == deal
    assert deal_for_new_claim(source=source, came_from=other) == other


def test_control_characters_are_dropped_from_an_editors_words():
    passage = _passage()
    claim = claim_create(
        data={"statement": "Israel\x07 refused\x1b phase two\n", "attribution": "an\x0b aide"},
        passage=passage,
        note="bell\x07",
    )
    assert (claim.statement, claim.attribution) == ("Israel refused phase two", "an aide")
    assert claim.evidence.get().note == "bell"
