"""The demo deal tells its story from the home page: the timeline, the matrix showing
where Israel and Hamas are accused, each claim traceable to the highlighted sentence."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from dealtracker.claims.compliance import compliance_matrix
from dealtracker.claims.models import Claim, Evidence

DEAL = "/deals/gaza-ceasefire-2025/"
# Every test here only reads the demo: it is loaded once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_demo")


@pytest.mark.django_db
def test_home_leads_to_the_demo_deal_with_its_current_phase_and_accusations(
    demo, client, public_read
):
    body = client.get("/").content.decode()
    assert f'href="{DEAL}"' in body
    assert "Gaza ceasefire and hostage-release deal (January 2025)" in body
    assert "suspended" in body
    # The current phase is the stalled second one, and the counts say who is accused.
    assert "Permanent ceasefire and full withdrawal" in body
    assert re.search(r"✗ not complied: \d+", body)


@pytest.mark.django_db
@time_machine.travel("2025-03-20 12:00:00+00:00", tick=False)
def test_demo_timeline_shows_phase_two_stalled_past_its_planned_start(demo, client, public_read):
    body = client.get(DEAL).content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "Today, 20 Mar 2025" in svg
    assert "— stalled" in svg and "— completed" in svg and "— scheduled" in svg


@pytest.mark.django_db
def test_demo_matrix_shows_where_israel_is_accused(demo):
    matrix = compliance_matrix(deal=demo, user=AnonymousUser())
    columns = [p.slug for p in matrix.parties]
    assert columns[:2] == ["israel", "hamas"]
    israel = {row.clause.reference: row.cells[0] for row in matrix.rows}
    assert israel["2.1"].counts.get("not_complied")
    assert israel["2.2"].counts.get("not_complied")
    assert any(cell.contested for row in matrix.rows for cell in row.cells)


@pytest.mark.django_db
def test_demo_claim_traces_to_the_highlighted_sentence_of_the_report(demo, client, public_read):
    claim = Claim.objects.get(statement__startswith="Israel refused to honour phase two of")
    body = client.get(f"/claims/{claim.pk}/").content.decode()
    assert (
        "<mark>However, the official accused Israel of refusing to honor that part of the deal.</mark>"
        in body
    )
    for evidence in Evidence.objects.filter(claim=claim):
        link = f'href="/sources/{evidence.passage.source_id}/#passage-{evidence.passage_id}"'
        assert link in body
    # Internal notes stay internal.
    assert "What “that part of the deal” refers to" not in body


@pytest.mark.django_db
def test_readers_see_the_demo_notes_public_visitors_do_not(demo, reader_client):
    claim = Claim.objects.get(statement__startswith="Israel refused to honour phase two of")
    body = reader_client.get(f"/claims/{claim.pk}/").content.decode()
    assert "What “that part of the deal” refers to" in body


@pytest.mark.django_db
def test_demo_proposal_compares_with_the_january_deal(demo, client, public_read):
    body = client.get(DEAL).content.decode()
    assert 'href="/deals/gaza-ceasefire-2025/compare/egypt-qatar-proposal-2025/"' in body
    response = client.get("/deals/gaza-ceasefire-2025/compare/egypt-qatar-proposal-2025/")
    assert response.status_code == 200
    assert "Egypt–Qatar proposal" in response.content.decode()


@pytest.mark.django_db
def test_demo_drafts_are_hidden_from_the_public_everywhere(demo, client, public_read):
    drafts = list(Claim.objects.filter(is_published=False))
    assert drafts
    pages = ["/", DEAL, "/parties/hamas/", "/parties/israel/", "/parties/united-states/"]
    for url in pages:
        body = client.get(url).content.decode()
        for draft in drafts:
            assert draft.statement not in body, url
