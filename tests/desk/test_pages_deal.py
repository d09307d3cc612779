"""The deal page: parties and roles, the timeline, clauses by phase, the compliance
matrix and its cells (full page and HTMX partial), related versions."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from dealtracker.claims.compliance import compliance_matrix, matrix_cell
from dealtracker.claims.models import Claim
from dealtracker.deals.models import Deal
from tests.factories import make_claim

# Every test here reads `world` as built: it is built once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world")

DEAL = "/deals/test-deal/"
CELL = "/deals/test-deal/matrix/2.1/israel/"


def cell_of(matrix, ref: str, slug: str):
    row = next(r for r in matrix.rows if r.clause.reference == ref)
    return next(c for c in row.cells if c.party.slug == slug)


@pytest.mark.django_db
def test_deal_page_shows_parties_with_their_roles(world, reader_client):
    body = reader_client.get(DEAL).content.decode()
    assert re.search(r">Egypt</a>\s*<span class=\"badge role\">mediator</span>", body)
    assert re.search(r">Israel</a>\s*<span class=\"badge role\">signatory</span>", body)


@pytest.mark.django_db
@time_machine.travel("2025-03-20 12:00:00+00:00", tick=False)
def test_timeline_marks_today_and_writes_each_phase_status_in_words(world, reader_client):
    body = reader_client.get(DEAL).content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert 'role="img"' in svg
    assert "Today, 20 Mar 2025" in svg
    assert 'class="today"' in svg
    assert "Phase 1: First truce — completed" in svg
    assert "Phase 2: Permanent ceasefire — stalled" in svg
    # Phase 1 has planned and actual spans; phase 2 only a planned one.
    assert svg.count('class="planned"') == 2
    assert svg.count('class="actual') == 1


@pytest.mark.django_db
def test_clauses_are_grouped_by_phase_with_deal_wide_terms_first(world, reader_client):
    body = reader_client.get(DEAL).content.decode()
    section = body[body.index('id="clauses-h"') :]
    wide = section.index("Deal-wide terms")
    phase1 = section.index("Phase 1: First truce")
    phase2 = section.index("Phase 2: Permanent ceasefire")
    assert wide < section.index("Mediators monitor") < phase1
    assert phase1 < section.index("Release of hostages") < phase2
    assert phase2 < section.index("Full withdrawal")


@pytest.mark.django_db
def test_matrix_has_one_column_per_obliged_party_and_marks_others_not_obliged(world, reader):
    matrix = compliance_matrix(deal=world.deal, user=reader)
    # Most obliged first (Israel: 2 clauses), then by name.
    assert [p.slug for p in matrix.parties] == ["israel", "egypt", "hamas"]
    assert [r.clause.reference for r in matrix.rows] == ["0.1", "1.1", "2.1"]
    assert not cell_of(matrix, "2.1", "hamas").obliged
    assert cell_of(matrix, "1.1", "hamas").obliged


@pytest.mark.django_db
def test_matrix_flags_contradicting_claims_as_contested(world, reader):
    cell = cell_of(compliance_matrix(deal=world.deal, user=reader), "2.1", "israel")
    assert cell.counts == {"complied": 1, "not_complied": 1}
    assert cell.contested


@pytest.mark.django_db
def test_refuted_claims_are_not_counted_but_struck_through(world, reader, reader_client):
    matrix = compliance_matrix(deal=world.deal, user=reader)
    # The refuted claim is about Israel and Hamas: it counts in neither cell.
    for slug in ("israel", "hamas"):
        cell = cell_of(matrix, "1.1", slug)
        assert cell.refuted == 1
        assert "complied" not in cell.counts
    body = reader_client.get("/deals/test-deal/matrix/1.1/israel/").content.decode()
    assert "<s><a href" in body and "Both sides completed the hostage exchange early" in body


@pytest.mark.django_db
def test_a_refuted_claim_does_not_make_a_cell_contested(world, reader):
    make_claim(
        statement="Israel never withdrew",
        clause=world.withdrawal,
        compliance=Claim.Compliance.NOT_COMPLIED,
        verification=Claim.Verification.REFUTED,
        subjects=[world.israel],
    )
    world.denied.delete()
    cell = matrix_cell(clause=world.withdrawal, party=world.israel, user=reader)
    assert cell.counts == {"not_complied": 1}
    assert cell.refuted == 1
    assert not cell.contested


@pytest.mark.django_db
def test_a_claim_about_two_parties_counts_in_each_partys_cell(world, reader):
    make_claim(
        statement="Neither side released anyone on time",
        clause=world.hostages,
        compliance=Claim.Compliance.NOT_COMPLIED,
        subjects=[world.israel, world.hamas],
    )
    matrix = compliance_matrix(deal=world.deal, user=reader)
    assert cell_of(matrix, "1.1", "israel").counts == {"not_complied": 1}
    assert cell_of(matrix, "1.1", "hamas").counts == {"not_complied": 1, "partly": 1}


@pytest.mark.django_db
def test_drafts_count_for_readers_but_not_for_public_visitors(world, reader):
    assert cell_of(compliance_matrix(deal=world.deal, user=reader), "1.1", "hamas").counts == {
        "partly": 1
    }
    public = compliance_matrix(deal=world.deal, user=AnonymousUser())
    assert cell_of(public, "1.1", "hamas").counts == {}


@pytest.mark.django_db
def test_only_compliance_claims_are_counted(world, reader):
    make_claim(
        statement="Israel demands the hostages first",
        kind=Claim.Kind.DEMAND,
        clause=world.withdrawal,
        subjects=[world.israel],
    )
    cell = matrix_cell(clause=world.withdrawal, party=world.israel, user=reader)
    assert cell.total == 2


@pytest.mark.django_db
def test_matrix_cell_has_room_for_the_assessment_rule(world, reader):
    cell = matrix_cell(clause=world.withdrawal, party=world.israel, user=reader)
    assert cell.assessment is None
    assert cell.disagrees is False


@pytest.mark.django_db
def test_matrix_cell_link_opens_its_claims_in_place_with_htmx(world, reader_client):
    body = reader_client.get(DEAL).content.decode()
    assert f'href="{CELL}" data-hx-get="{CELL}" data-hx-target="#matrix-cell"' in body
    assert 'hx-push-url="true"' in body
    assert "contested" in body


@pytest.mark.django_db
def test_matrix_cell_as_htmx_partial_is_only_the_cell(world, reader_client):
    response = reader_client.get(CELL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith('<section id="matrix-cell"')
    assert "Israel refused to honour phase two" in body
    assert "Israel has carried out every withdrawal due" in body
    assert "Contested" in body
    assert "the official accused Israel of refusing to honor" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_matrix_cell_address_opened_directly_is_the_deal_page_open_at_the_cell(
    world, reader_client
):
    body = reader_client.get(CELL).content.decode()
    assert "<html" in body
    assert '<table class="matrix">' in body
    assert '<section id="matrix-cell"' in body
    assert "Israel refused to honour phase two" in body
    assert "is-open" in body


@pytest.mark.django_db
def test_history_restore_of_a_cell_gets_the_full_page(world, reader_client):
    response = reader_client.get(
        CELL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_cell_of_a_party_the_clause_does_not_oblige_says_so(world, reader_client):
    body = reader_client.get(
        "/deals/test-deal/matrix/2.1/hamas/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "not among the parties this clause obliges" in body


@pytest.mark.django_db
def test_deal_links_to_the_deal_it_answers_and_to_a_comparison(world, reader_client):
    counter = Deal.objects.create(title="Counter-proposal", slug="counter", answers=world.deal)
    body = reader_client.get(reverse("desk:deal-detail", args=["counter"])).content.decode()
    assert 'href="/deals/test-deal/"' in body
    assert 'href="/deals/test-deal/compare/counter/"' in body
    body = reader_client.get(DEAL).content.decode()
    assert "Answered by" in body and 'href="/deals/counter/"' in body
    assert counter.pk


@pytest.mark.django_db
def test_a_bad_as_of_date_is_ignored_with_a_notice(world, reader_client):
    response = reader_client.get(DEAL + "?as_of=yesterday")
    assert response.status_code == 200
    assert "was not understood" in response.content.decode()
    response = reader_client.get(DEAL + "?as_of=2025-03-01")
    assert response.status_code == 200
    assert "was not understood" not in response.content.decode()


@pytest.mark.django_db
def test_deal_without_dates_or_obligations_still_reads(db, reader_client):
    Deal.objects.create(title="Bare deal", slug="bare")
    body = reader_client.get("/deals/bare/").content.decode()
    assert "No phase has dates yet." in body
    assert "No clauses recorded." in body


@pytest.mark.django_db
@time_machine.travel("2025-04-20 12:00:00+00:00", tick=False)
def test_deal_page_leads_with_status_then_matrix_then_overdue_terms(world, reader_client):
    body = reader_client.get(DEAL).content.decode()
    order = [
        body.index(f'id="{anchor}"')
        for anchor in ("status-h", "matrix-h", "overdue-h", "timeline-h", "record-h", "clauses-h")
    ]
    assert order == sorted(order)
    status = body[body.index('id="status-h"') : body.index('id="matrix-h"')]
    assert "in force" in status and "Current phase" in status and "Overdue terms" in status
    # The "as of" form changes the matrix: it sits with it.
    assert body.index('id="as-of-date"') < body.index('<table class="matrix">')
    # Every obliged cell is named by its party for the stacked phone layout.
    for match in re.finditer(r'<td class="cell[^"]*"[^>]*>', body):
        assert "data-label=" in match.group(0)
