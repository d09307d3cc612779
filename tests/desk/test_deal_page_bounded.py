"""The deal page stays the same size whatever the deal holds: the matrix, the clauses of
each phase and the overdue terms show a page at a time beyond their bounds, each page a
link away (full page, or the region alone for HTMX); a deal within the bounds shows
everything at once, as before."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from dealtracker.claims.compliance import compliance_matrix
from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.desk.views.pages import GROUP_CLAUSES, MATRIX_ROWS, OVERDUE_TERMS
from tests.conftest import _kept_for_the_module

DEAL = "/deals/huge-deal/"
# 100 clauses: 30 deal-wide (each overdue), 50 in phase 1, 20 in phase 2.
WIDE, PHASE1, PHASE2 = 30, 50, 20
# The first view of the deal below: 40 matrix rows of 4 cells (about 600 bytes a cell),
# 45 clause lines, 20 overdue terms come to about 150 KB; every row, clause and overdue
# term drawn, over 300 KB.
PAGE_BYTES = 180_000
QUERY_BOUND = 20  # as tests/desk/test_pages_queries.py


def build_huge_deal() -> SimpleNamespace:
    """A deal past every bound of the deal page, four parties obliged by every clause."""
    parties = Party.objects.bulk_create(
        [Party(name=f"Side {i}", slug=f"side-{i}", kind=Party.Kind.STATE) for i in range(4)]
    )
    deal = Deal.objects.create(title="Huge deal", slug="huge-deal", status=Deal.Status.IN_FORCE)
    DealParty.objects.bulk_create([DealParty(deal=deal, party=p) for p in parties])
    phase1, phase2 = Phase.objects.bulk_create(
        [
            Phase(deal=deal, order=1, name="Truce", planned_end=dt.date(2030, 1, 1)),
            Phase(deal=deal, order=2, name="Settlement", planned_end=dt.date(2031, 1, 1)),
        ]
    )
    specs = (
        [(None, f"W.{i}", dt.date(2020, 1, 1) + dt.timedelta(days=i)) for i in range(WIDE)]
        + [(phase1, f"A.{i}", None) for i in range(PHASE1)]
        + [(phase2, f"B.{i}", None) for i in range(PHASE2)]
    )
    clauses = Clause.objects.bulk_create(
        [
            Clause(
                deal=deal,
                phase=phase,
                reference=ref,
                position=n,
                title=f"Term {ref}",
                text=f"The parties shall do {ref}.",
                deadline_date=deadline,
            )
            for n, (phase, ref, deadline) in enumerate(specs)
        ]
    )
    through = Clause.obliged_parties.through
    through.objects.bulk_create([through(clause=c, party=p) for c in clauses for p in parties])
    # Two claims a cell (complied, partly); the last clause's first cell is contested.
    now = timezone.now()
    rows = [(c, p, comp) for c in clauses for p in parties for comp in ("complied", "partly")]
    rows.append((clauses[-1], parties[0], "not_complied"))
    claims = Claim.objects.bulk_create(
        [
            Claim(
                statement=f"Claim on {c.reference}",
                deal=deal,
                clause=c,
                kind=Claim.Kind.COMPLIANCE,
                compliance=comp,
                made_on=dt.date(2024, 1, 1),
                is_published=True,
                published_at=now,
            )
            for c, _, comp in rows
        ]
    )
    subjects = Claim.subjects.through
    subjects.objects.bulk_create(
        [subjects(claim=claim, party=p) for claim, (_, p, _) in zip(claims, rows, strict=True)]
    )
    return SimpleNamespace(deal=deal, parties=parties, clauses=clauses)


@pytest.fixture(scope="module")
def huge(django_db_setup, django_db_blocker):
    """The huge deal, built once for the module (tests/conftest.py, shared worlds)."""
    yield from _kept_for_the_module(django_db_blocker, build_huge_deal)


def row_refs(body: str) -> list[str]:
    """The clause references of the matrix rows drawn."""
    return re.findall(r'<th scope="row"><a href="[^"]*"><span class="ref">([^<]+)</span>', body)


def clause_list_refs(body: str) -> list[str]:
    start = body.index('id="clause-groups"')
    end = body.find('id="recent-h"', start)
    section = body[start : end if end > 0 else len(body)]
    return re.findall(r'<li>\s*<a href="[^"]*"><span class="ref">([^<]+)</span>', section)


def cell_url(ref: str, party: str = "side-0") -> str:
    return reverse("desk:deal-matrix-cell", args=["huge-deal", ref, party])


@pytest.mark.django_db
def test_a_deal_past_the_bounds_renders_a_page_of_bounded_size_and_queries(
    huge, reader_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERY_BOUND):
        response = reader_client.get(DEAL)
    assert response.status_code == 200
    assert len(response.content) < PAGE_BYTES
    body = response.content.decode()
    assert row_refs(body) == [c.reference for c in huge.clauses[:MATRIX_ROWS]]
    assert body.count('<td class="cell') == MATRIX_ROWS * 4
    assert len(clause_list_refs(body)) == 3 * GROUP_CLAUSES
    assert body.count('<li id="overdue-') == OVERDUE_TERMS
    # What is not drawn is counted and a link away.
    assert "Clauses 1–40 of the 100 in the matrix" in body
    assert 'href="/deals/huge-deal/?matrix_page=2#matrix"' in body
    assert 'Overdue terms <span class="muted">(30)</span>' in body


@pytest.mark.django_db
def test_page_two_of_the_matrix_shows_the_later_clauses(huge, reader_client):
    body = reader_client.get(DEAL + "?matrix_page=2").content.decode()
    assert row_refs(body) == [c.reference for c in huge.clauses[MATRIX_ROWS : 2 * MATRIX_ROWS]]
    assert "Clauses 41–80 of the 100 in the matrix" in body
    assert 'rel="prev" href="/deals/huge-deal/?matrix_page=1#matrix"' in body
    assert 'rel="next" href="/deals/huge-deal/?matrix_page=3#matrix"' in body


@pytest.mark.django_db
def test_the_contested_count_is_the_whole_deals_not_the_pages(huge, reader_client):
    # The contested cell is on the matrix's last page; the first one counts it.
    body = reader_client.get(DEAL).content.decode()
    assert "1 contested cell" in body
    assert f'id="cell-{huge.clauses[-1].pk}-{huge.parties[0].pk}"' not in body


@pytest.mark.django_db
def test_an_htmx_matrix_page_is_the_matrix_region_alone(huge, reader_client):
    response = reader_client.get(
        DEAL + "?matrix_page=3", headers={"HX-Request": "true", "HX-Target": "matrix-table"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith('<div id="matrix-table">')
    assert row_refs(body) == [c.reference for c in huge.clauses[2 * MATRIX_ROWS :]]
    assert "Clauses by phase" not in body
    # Its page links swap the same region.
    assert 'data-hx-target="#matrix-table"' in body
    assert "HX-Target" in response["Vary"]


@pytest.mark.django_db
def test_an_htmx_request_for_no_region_of_the_page_gets_the_whole_page(huge, reader_client):
    body = reader_client.get(DEAL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in body


@pytest.mark.django_db
def test_a_cell_link_of_a_clause_on_page_two_opens_the_deal_page_at_that_page(huge, reader_client):
    clause = huge.clauses[55]
    body = reader_client.get(cell_url(clause.reference)).content.decode()
    assert clause.reference in row_refs(body)
    assert row_refs(body)[0] == huge.clauses[MATRIX_ROWS].reference
    assert f'id="cell-{clause.pk}-{huge.parties[0].pk}"' in body
    assert '<section id="matrix-cell"' in body
    assert "is-open" in body
    # Its Close link returns to that page of the matrix.
    assert 'href="/deals/huge-deal/?matrix_page=2#matrix">Close</a>' in body


@pytest.mark.django_db
def test_cells_on_page_two_open_in_place_with_a_way_back_to_page_two(huge, reader_client):
    clause = huge.clauses[55]
    body = reader_client.get(DEAL + "?matrix_page=2").content.decode()
    assert f'data-hx-get="{cell_url(clause.reference)}?matrix_page=2"' in body
    panel = reader_client.get(
        cell_url(clause.reference) + "?matrix_page=2", headers={"HX-Request": "true"}
    ).content.decode()
    assert panel.strip().startswith('<section id="matrix-cell"')
    assert 'href="/deals/huge-deal/?matrix_page=2#matrix">Close</a>' in panel


@pytest.mark.django_db
def test_the_clauses_of_a_long_phase_show_a_page_at_a_time(huge, reader_client):
    body = reader_client.get(DEAL).content.decode()
    refs = clause_list_refs(body)
    assert refs[:GROUP_CLAUSES] == [f"W.{i}" for i in range(GROUP_CLAUSES)]
    assert "A.14" in refs and "A.15" not in refs
    assert "Clauses 1–15 of 50" in body
    assert 'href="/deals/huge-deal/?phase1_page=2#group-phase1"' in body
    assert 'href="/deals/huge-deal/phases/1/">all 50 on the phase\'s page</a>' in body

    body = reader_client.get(DEAL + "?phase1_page=2&dealwide_page=2").content.decode()
    refs = clause_list_refs(body)
    assert [r for r in refs if r.startswith("A.")] == [f"A.{i}" for i in range(15, 30)]
    assert [r for r in refs if r.startswith("W.")] == [f"W.{i}" for i in range(15, 30)]


@pytest.mark.django_db
def test_an_htmx_clause_page_is_the_clauses_region_alone(huge, reader_client):
    response = reader_client.get(
        DEAL + "?phase2_page=2", headers={"HX-Request": "true", "HX-Target": "clause-groups"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<section aria-labelledby="clauses-h" id="clause-groups">')
    assert [r for r in clause_list_refs(body) if r.startswith("B.")] == [
        "B.15",
        "B.16",
        "B.17",
        "B.18",
        "B.19",
    ]
    assert '<table class="matrix">' not in body


@pytest.mark.django_db
def test_overdue_flags_point_at_the_page_of_the_overdue_terms_that_lists_them(huge, reader_client):
    body = reader_client.get(DEAL).content.decode()
    first, late = huge.clauses[0], huge.clauses[OVERDUE_TERMS + 5]
    assert f'href="#overdue-{first.pk}"' in body
    body = reader_client.get(DEAL + "?dealwide_page=2").content.decode()
    assert f'href="/deals/huge-deal/?dealwide_page=2&amp;overdue_page=2#overdue-{late.pk}"' in body

    response = reader_client.get(
        DEAL + "?overdue_page=2", headers={"HX-Request": "true", "HX-Target": "overdue"}
    )
    body = response.content.decode()
    assert body.strip().startswith('<section aria-labelledby="overdue-h" id="overdue">')
    assert f'<li id="overdue-{late.pk}">' in body
    assert body.count('<li id="overdue-') == 30 - OVERDUE_TERMS


@pytest.mark.django_db
def test_the_demo_deal_shows_every_clause_and_cell_as_before(demo, reader_client):
    deal = Deal.objects.get(slug="gaza-ceasefire-2025")
    matrix = compliance_matrix(deal=deal, user=AnonymousUser())
    assert 0 < len(matrix.rows) <= MATRIX_ROWS
    body = reader_client.get(deal.get_absolute_url()).content.decode()
    assert row_refs(body) == [row.clause.reference for row in matrix.rows]
    assert body.count('<td class="cell') == len(matrix.rows) * len(matrix.parties)
    assert sorted(clause_list_refs(body)) == sorted(c.reference for c in deal.clauses.all())
    assert 'class="pagination"' not in body
    assert "in the matrix</p>" not in body


REGIONS = {
    # region (hx-target): the address of one of its later pages
    "matrix-table": DEAL + "?matrix_page=2",
    "overdue": DEAL + "?overdue_page=2",
    "clause-groups": DEAL + "?phase1_page=2&dealwide_page=2",
}


@pytest.mark.django_db
@pytest.mark.parametrize("region", list(REGIONS))
def test_a_region_request_reads_only_what_its_region_shows(
    huge, reader_client, django_assert_max_num_queries, region
):
    url = REGIONS[region]
    with django_assert_max_num_queries(QUERY_BOUND) as page:
        reader_client.get(url)
    with django_assert_max_num_queries(QUERY_BOUND) as alone:
        response = reader_client.get(url, headers={"HX-Request": "true", "HX-Target": region})
    assert response.status_code == 200
    # The whole page's 11 reads (after the session's 4) against 4 or 5: not the
    # memberships, related deals, citation or latest claims and their parties.
    assert len(alone) <= len(page) - 5, (len(alone), len(page))
    sql = " ".join(query["sql"] for query in alone.captured_queries)
    for table in ("deals_dealparty", "claims_claim", "claims_claim_subjects"):
        assert f'FROM "{table}"' not in sql, table
    # Only the matrix reads the matrix's counts.
    assert ('"claims_matrixcount"' in sql) == (region == "matrix-table")


@pytest.mark.django_db
@pytest.mark.parametrize("region", list(REGIONS))
@pytest.mark.parametrize("as_of", ["", "&as_of=2024-06-01"])
def test_a_region_alone_is_the_region_of_the_whole_page(huge, reader_client, region, as_of):
    url = REGIONS[region] + as_of
    body = reader_client.get(url).content.decode()
    alone = reader_client.get(url, headers={"HX-Request": "true", "HX-Target": region})
    part = alone.content.decode().strip()
    assert part.startswith("<") and f'id="{region}"' in part[:200]
    assert part in body
