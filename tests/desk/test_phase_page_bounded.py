"""A phase's page stays the same size whatever the phase holds: its clauses show a page at
a time (?clause_page=), each page a link away, as the whole page or, for HTMX, the clause
list alone; a phase within the bound shows every clause at once, as before."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.desk.views.pages import PHASE_CLAUSES
from tests.conftest import _kept_for_the_module

LONG, SHORT = 100, 20  # clauses of phase 1 and of phase 2
PHASE1 = "/deals/long-phase/phases/1/"
PHASE2 = "/deals/long-phase/phases/2/"
HTMX = {"HX-Request": "true", "HX-Target": "phase-clauses"}


def build_long_phase() -> SimpleNamespace:
    """A deal whose first phase holds 100 clauses and its second 20, each clause obliging
    three parties, some due at their phase's end."""
    parties = Party.objects.bulk_create(
        [Party(name=f"Side {i}", slug=f"side-{i}", kind=Party.Kind.STATE) for i in range(3)]
    )
    deal = Deal.objects.create(title="Long phase", slug="long-phase", status=Deal.Status.IN_FORCE)
    DealParty.objects.bulk_create([DealParty(deal=deal, party=p) for p in parties])
    phase1, phase2 = Phase.objects.bulk_create(
        [
            Phase(deal=deal, order=1, name="Truce", planned_end=dt.date(2030, 1, 1)),
            Phase(deal=deal, order=2, name="Settlement", planned_end=dt.date(2031, 1, 1)),
        ]
    )
    specs = [(phase1, f"A.{i:03}") for i in range(LONG)] + [
        (phase2, f"B.{i:03}") for i in range(SHORT)
    ]
    clauses = Clause.objects.bulk_create(
        [
            Clause(
                deal=deal,
                phase=phase,
                reference=ref,
                position=n,
                title=f"Term {ref}",
                text=f"The parties shall do {ref}.",
                deadline_phase=phase if n % 3 == 0 else None,
                deadline_anchor="end" if n % 3 == 0 else "",
                deadline_delay=7 if n % 3 == 0 else None,
                deadline_delay_unit="days" if n % 3 == 0 else "",
            )
            for n, (phase, ref) in enumerate(specs)
        ]
    )
    through = Clause.obliged_parties.through
    through.objects.bulk_create([through(clause=c, party=p) for c in clauses for p in parties])
    return SimpleNamespace(deal=deal, parties=parties, clauses=clauses)


@pytest.fixture(scope="module")
def long_phase(django_db_setup, django_db_blocker):
    """The deal, built once for the module (tests/conftest.py, shared worlds)."""
    yield from _kept_for_the_module(django_db_blocker, build_long_phase)


def clause_refs(body: str) -> list[str]:
    """The references of the clauses listed in the phase's terms."""
    start = body.index('id="phase-clauses"')
    section = body[start : body.index("</section>", start)]
    return re.findall(r'<li>\s*<a href="[^"]*"><span class="ref">([^<]+)</span>', section)


@pytest.mark.django_db
def test_a_long_phase_lists_a_page_of_its_clauses_with_a_link_to_the_next(
    long_phase, reader_client
):
    response = reader_client.get(PHASE1)
    assert response.status_code == 200
    body = response.content.decode()
    assert clause_refs(body) == [f"A.{i:03}" for i in range(PHASE_CLAUSES)]
    assert f"Clauses 1–{PHASE_CLAUSES} of {LONG}" in body
    assert '<nav class="pagination" aria-label="Pages of terms in this phase">' in body
    assert f'rel="next" href="{PHASE1}?clause_page=2#phase-clauses"' in body
    assert f'data-hx-get="{PHASE1}?clause_page=2#phase-clauses"' in body
    assert 'data-hx-target="#phase-clauses"' in body
    assert "Page 1 of 4" in body


@pytest.mark.django_db
def test_page_two_of_a_phases_clauses_is_a_full_page_without_javascript(long_phase, reader_client):
    body = reader_client.get(PHASE1 + "?clause_page=2").content.decode()
    assert "<html" in body
    assert clause_refs(body) == [f"A.{i:03}" for i in range(PHASE_CLAUSES, 2 * PHASE_CLAUSES)]
    assert f"Clauses {PHASE_CLAUSES + 1}–{2 * PHASE_CLAUSES} of {LONG}" in body
    assert f'rel="prev" href="{PHASE1}?clause_page=1#phase-clauses"' in body
    # The rest of the page is there: the claims about the phase keep their own pages.
    assert "Claims about this phase" in body


@pytest.mark.django_db
def test_an_htmx_clause_page_is_the_phases_clause_list_alone(long_phase, reader_client):
    response = reader_client.get(PHASE1 + "?clause_page=4", headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith('<section aria-labelledby="clauses-h" id="phase-clauses">')
    assert clause_refs(body) == [f"A.{i:03}" for i in range(3 * PHASE_CLAUSES, LONG)]
    assert "Claims about this phase" not in body
    assert "HX-Target" in response["Vary"]
    # An HTMX request for another target (or none) gets the whole page.
    assert "<html" in reader_client.get(PHASE1, headers={"HX-Request": "true"}).content.decode()


@pytest.mark.django_db
def test_a_clause_page_past_the_end_shows_the_last_one(long_phase, reader_client):
    body = reader_client.get(PHASE1 + "?clause_page=99", headers=HTMX).content.decode()
    assert clause_refs(body) == [f"A.{i:03}" for i in range(3 * PHASE_CLAUSES, LONG)]
    body = reader_client.get(PHASE1 + "?clause_page=x", headers=HTMX).content.decode()
    assert clause_refs(body)[0] == "A.000"


@pytest.mark.django_db
def test_a_phase_within_the_bound_lists_every_clause_without_pages(long_phase, reader_client):
    body = reader_client.get(PHASE2).content.decode()
    assert clause_refs(body) == [f"B.{i:03}" for i in range(SHORT)]
    assert "Pages of terms" not in body
    assert "Clauses 1–" not in body


@pytest.mark.django_db
def test_a_phase_page_runs_the_same_queries_for_20_clauses_as_for_100(
    long_phase, reader_client, django_assert_max_num_queries
):
    counts = {}
    for url in (PHASE1, PHASE1 + "?clause_page=3", PHASE2):
        with django_assert_max_num_queries(16) as queries:
            response = reader_client.get(url)
        assert response.status_code == 200
        counts[url] = len(queries)
    assert len(set(counts.values())) == 1, counts
    # The HTMX clause page reads only the clause list: fewer queries than the page.
    with CaptureQueriesContext(connection) as region:
        reader_client.get(PHASE1 + "?clause_page=2", headers=HTMX)
    assert len(region) < counts[PHASE1]
