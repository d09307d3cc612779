"""Editing something another editor has deleted: a 410 that says who and when, never a 5xx."""

from __future__ import annotations

import pytest

from dealtracker.claims.models import Evidence
from dealtracker.claims.services import claim_delete, evidence_unlink
from dealtracker.sources.passages import passage_delete, passage_mark
from dealtracker.sources.services import source_delete
from tests.annotating import REPORT, span_of
from tests.factories import make_draft_claim, make_source

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def gone(admin_user):
    """A source, a passage, a claim and a link — each deleted by the admin."""
    source = make_source(REPORT)
    start, end = span_of(source, "Gabe Witkoff")
    passage = passage_mark(source=source, start=start, end=end).passage
    kept = passage_mark(source=source, start=0, end=5).passage
    claim = make_draft_claim()
    evidence = Evidence.objects.create(claim=claim, passage=kept)
    ids = {"source": source.pk, "passage": passage.pk, "kept": kept.pk, "claim": claim.pk}
    ids["evidence"] = evidence.pk
    evidence_unlink(evidence=evidence, by=admin_user)
    passage_delete(passage=passage, by=admin_user)
    other_claim = make_draft_claim("Another claim")
    ids["claim"] = other_claim.pk
    claim_delete(claim=other_claim, by=admin_user)
    gone_source = make_source("A report that is deleted.", title="Deleted")
    ids["gone_source"] = gone_source.pk
    source_delete(source=gone_source)
    return ids


def test_every_edit_link_and_delete_endpoint_answers_a_deleted_object_with_410(
    editor_client, admin_client, gone
):
    s, p, c, e = gone["source"], gone["passage"], gone["claim"], gone["evidence"]
    posts = [
        (editor_client, f"/sources/{s}/passages/{p}/edit/", {"note": "x"}),
        (editor_client, f"/sources/{s}/passages/{p}/delete/", {"confirmed": "1"}),
        (editor_client, f"/sources/{s}/passages/{p}/delete/", {}),
        (
            editor_client,
            f"/sources/{s}/passages/{p}/evidence/",
            {"action": "link", "link-claim": "1"},
        ),
        (editor_client, f"/evidence/{e}/edit/", {"relation": "states"}),
        (editor_client, f"/evidence/{e}/delete/", {"confirmed": "1"}),
        (editor_client, f"/claims/{c}/edit/", {"statement": "Mine", "version": 1}),
        (editor_client, f"/claims/{c}/verification/", {"status": "disputed", "note": "n"}),
        (editor_client, f"/claims/{c}/publish/", {"publish": "1"}),
        (editor_client, f"/claims/{c}/delete/", {"confirmed": "1"}),
        (editor_client, f"/sources/{gone['gone_source']}/passages/", {"start": 0, "end": 3}),
        (
            editor_client,
            f"/sources/{gone['gone_source']}/revise/",
            {"text": "x", "base_revision": 1},
        ),
        (admin_client, f"/sources/{gone['gone_source']}/delete/", {"confirmed": "1"}),
    ]
    failures = []
    for client, url, data in posts:
        for headers in ({}, HX):
            response = client.post(url, data, headers=headers)
            body = response.content.decode()
            if response.status_code != 410 or "was deleted by" not in body:
                failures.append(f"POST {url} {headers}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_object_that_never_existed_is_a_404_not_a_410(editor_client):
    for url in ("/claims/999999/edit/", "/evidence/999999/edit/", "/sources/999999/revise/"):
        assert editor_client.post(url, {"relation": "states"}).status_code == 404


def test_a_deleted_passage_answers_the_panel_without_it_and_its_highlight(editor_client, gone):
    s, p = gone["source"], gone["passage"]
    response = editor_client.post(f"/sources/{s}/passages/{p}/edit/", {"note": "x"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 410
    assert body.lstrip().startswith('<aside id="passage-panel"')
    assert 'id="source-text"' in body and f'id="passage-{p}"' not in body
