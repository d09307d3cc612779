"""No lost work: a deleted claim or source comes back whole from history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.utils import timezone

from dealtracker.claims.models import Assessment, Claim, Evidence, VerificationChange
from dealtracker.claims.services import claim_delete, evidence_link, evidence_unlink
from dealtracker.claims.undelete import RestoreRefused, claim_restore, deleted_claims
from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.services import source_delete
from dealtracker.sources.undelete import deleted_sources, source_restore

IGNORED = {"updated_at", "search_vector"}


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    data["created_at"] = getattr(obj, "created_at", None)
    data.pop("subjects", None)
    data.pop("obliged_parties", None)
    return {k: v for k, v in data.items() if k not in IGNORED}


def _second_passage(world, editor) -> Passage:
    body = world.source.text
    start = body.index("Officials disagreed.")
    end = start + len("Officials disagreed.")
    return Passage.objects.create(
        source=world.source,
        start=start,
        end=end,
        quote=body[start:end],
        revision_made=world.revision,
        revision_anchored=world.revision,
        note="second passage note",
        created_by=editor,
    )


def test_a_deleted_claim_comes_back_with_subjects_evidence_notes_and_citations(world, editor):
    claim = world.claim
    claim_id = claim.pk
    other = _second_passage(world, editor)
    evidence_link(claim=claim, passage=other, relation="context", note="a second link", by=editor)
    before = _snapshot(Claim.objects.get(pk=claim.pk))
    subjects = set(claim.subjects.values_list("id", flat=True))
    evidence = {e.pk: _snapshot(e) for e in Evidence.objects.filter(claim=claim)}
    changes = {v.pk: _snapshot(v) for v in VerificationChange.objects.filter(claim=claim)}
    assert len(evidence) == 2 and changes
    assert world.assessment.claims.filter(pk=claim.pk).exists()

    claim_delete(claim=claim, by=editor)
    assert not Claim.objects.filter(pk=claim_id).exists()
    assert not Evidence.objects.filter(pk__in=evidence).exists()
    assert claim_id in deleted_claims().values_list("id", flat=True)

    outcome = claim_restore(claim_id=claim_id, by=editor)

    restored = Claim.objects.get(pk=claim_id)
    assert _snapshot(restored) == before
    assert set(restored.subjects.values_list("id", flat=True)) == subjects
    assert {e.pk: _snapshot(e) for e in Evidence.objects.filter(claim=restored)} == evidence
    assert {
        v.pk: _snapshot(v) for v in VerificationChange.objects.filter(claim=restored)
    } == changes
    assert Assessment.objects.get(pk=world.assessment.pk).claims.filter(pk=claim_id).exists()
    assert outcome.assessments_relinked == 1 and not outcome.skipped
    # The restore is itself in the history, and the claim is no longer listed as deleted.
    assert restored.history.first().history_change_reason == "restored from history"
    assert claim_id not in deleted_claims().values_list("id", flat=True)
    # The search trigger filled the vector again.
    assert Claim.objects.filter(pk=claim_id, search_vector__isnull=False).exists()


def test_a_claim_deleted_in_the_admin_by_cascade_is_restorable_too(world):
    claim_id = world.claim.pk
    evidence_ids = set(Evidence.objects.filter(claim_id=claim_id).values_list("id", flat=True))
    Claim.objects.get(pk=claim_id).delete()
    claim_restore(claim_id=claim_id)
    assert set(Evidence.objects.filter(claim_id=claim_id).values_list("id", flat=True)) == (
        evidence_ids
    )


def test_evidence_unlinked_earlier_does_not_come_back_with_the_claim(world, editor):
    claim = world.claim
    claim_id = claim.pk
    other = _second_passage(world, editor)
    link = evidence_link(claim=claim, passage=other, by=editor)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        evidence_unlink(evidence=link, by=editor)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        claim_delete(claim=claim, by=editor)
    claim_restore(claim_id=claim_id)
    assert list(
        Evidence.objects.filter(claim_id=claim_id).values_list("passage_id", flat=True)
    ) == [world.passage.pk]


def test_a_restore_is_refused_with_a_reason_when_its_deal_is_gone(world, editor):
    claim = Claim.objects.create(statement="About the proposal", deal=world.other_deal)
    claim_id = claim.pk
    claim_delete(claim=claim, by=editor)
    world.other_deal.delete()
    with pytest.raises(RestoreRefused, match="deal"):
        claim_restore(claim_id=claim_id)
    assert not Claim.objects.filter(pk=claim_id).exists()


def test_restoring_a_claim_that_exists_is_refused(world):
    with pytest.raises(RestoreRefused, match="not deleted"):
        claim_restore(claim_id=world.claim.pk)


def test_a_restore_failing_half_way_leaves_nothing_restored(world, editor, monkeypatch):
    claim_id = world.claim.pk
    claim_delete(claim=world.claim, by=editor)
    from dealtracker.claims import undelete as restore

    real = restore.recreate
    calls = []

    def failing(record, **kwargs):
        calls.append(record)
        if len(calls) == 2:  # the claim went in; its first evidence fails
            raise RuntimeError("connection lost")
        return real(record, **kwargs)

    monkeypatch.setattr(restore, "recreate", failing)
    with pytest.raises(RuntimeError):
        claim_restore(claim_id=claim_id)
    assert not Claim.objects.filter(pk=claim_id).exists()
    assert not Evidence.objects.filter(claim_id=claim_id).exists()


def _source_with_two_revisions(editor) -> Source:
    text1 = "The envoy said the ceasefire holds.\n\nOfficials disagreed."
    text2 = "The envoy said the ceasefire holds today.\n\nOfficials disagreed."
    source = Source.objects.create(
        title="A report to delete",
        url="https://news.example.org/deleted",
        text=text2,
        text_hash=text_hash(text2),
        created_by=editor,
    )
    r1 = SourceRevision.objects.create(
        source=source, number=1, text=text1, text_hash=text_hash(text1), created_by=editor
    )
    r2 = SourceRevision.objects.create(
        source=source, number=2, text=text2, text_hash=text_hash(text2), note="updated"
    )
    for revision, quote, note in ((r1, "The envoy said", "first"), (r2, "Officials", "second")):
        start = revision.text.index(quote)
        Passage.objects.create(
            source=source,
            start=start,
            end=start + len(quote),
            quote=quote,
            revision_made=r1 if note == "first" else r2,
            revision_anchored=r2,
            note=note,
            created_by=editor,
        )
    return source


def test_a_deleted_source_comes_back_with_every_revision_and_passage(db, editor):
    source = _source_with_two_revisions(editor)
    before = _snapshot(source)
    revisions = {r.pk: _snapshot(r) for r in source.revisions.all()}
    passages = {p.pk: _snapshot(p) for p in source.passages.all()}

    source_id = source.pk
    source_delete(source=source)
    assert not Source.objects.filter(pk=source_id).exists()
    assert source_id in deleted_sources().values_list("id", flat=True)

    outcome = source_restore(source_id=source_id, by=editor)
    assert (outcome.revisions, outcome.passages) == (2, 2)
    restored = Source.objects.get(pk=source_id)
    assert {k: v for k, v in _snapshot(restored).items()} == before
    assert {r.pk: _snapshot(r) for r in restored.revisions.all()} == revisions
    assert {p.pk: _snapshot(p) for p in restored.passages.all()} == passages


def test_a_source_whose_url_was_taken_since_is_not_restored_over_the_other(db, editor):
    source = _source_with_two_revisions(editor)
    source_id = source.pk
    source_delete(source=source)
    Source.objects.create(
        title="Same URL, new source", url=source.url, text="x", text_hash=text_hash("x")
    )
    from dealtracker.sources.undelete import RestoreRefused as SourceRestoreRefused

    with pytest.raises(SourceRestoreRefused, match="same URL"):
        source_restore(source_id=source_id)


def test_an_admin_restores_a_deleted_claim_from_the_admin_page(world, editor, admin_client):
    claim_id = world.claim.pk
    statement = world.claim.statement
    claim_delete(claim=world.claim, by=editor)
    listing = admin_client.get("/admin/restore/claims/")
    assert listing.status_code == 200
    assert statement in listing.content.decode()
    assert f"/admin/restore/claims/{claim_id}/" in listing.content.decode()
    response = admin_client.post(f"/admin/restore/claims/{claim_id}/", follow=True)
    assert response.status_code == 200
    assert f"Claim {claim_id} restored with 1 evidence links" in response.content.decode()
    assert Claim.objects.filter(pk=claim_id).exists()
    assert "Nothing is deleted." in response.content.decode()


def test_an_admin_restores_a_deleted_source_from_the_admin_page(db, editor, admin_client):
    source = _source_with_two_revisions(editor)
    source_id = source.pk
    source_delete(source=source)
    assert "A report to delete" in admin_client.get("/admin/restore/sources/").content.decode()
    response = admin_client.post(f"/admin/restore/sources/{source_id}/", follow=True)
    assert "restored with 2 revisions and 2 passages" in response.content.decode()
    assert Source.objects.filter(pk=source_id).exists()


def test_editors_cannot_reach_the_restore_pages(world, editor, editor_client):
    claim_id = world.claim.pk
    claim_delete(claim=world.claim, by=editor)
    for response in (
        editor_client.get("/admin/restore/claims/"),
        editor_client.post(f"/admin/restore/claims/{claim_id}/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert not Claim.objects.filter(pk=claim_id).exists()


def test_a_claim_an_editor_deletes_in_the_desk_is_listed_with_who_deleted_it_and_restored(
    world, editor_client, admin_client
):
    claim_id = world.claim.pk
    evidence = set(Evidence.objects.filter(claim_id=claim_id).values_list("id", flat=True))
    assert editor_client.post(f"/claims/{claim_id}/delete/", {"confirmed": "1"}).status_code == 302
    assert not Claim.objects.filter(pk=claim_id).exists()
    listing = admin_client.get("/admin/restore/claims/").content.decode()
    assert "<td>editor</td>" in listing
    admin_client.post(f"/admin/restore/claims/{claim_id}/")
    assert set(Evidence.objects.filter(claim_id=claim_id).values_list("id", flat=True)) == evidence
    assert VerificationChange.objects.filter(claim_id=claim_id).count() == 1
