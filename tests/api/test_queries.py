"""Every endpoint of the read API runs a bounded number of SQL queries however many
rows there are (`many_rows`: 30 clauses x 10 parties, 300 claims with evidence,
16 deals), for a token holder and for an anonymous client. bench/probe.py holds
the large archive to the same bounds (QUERY_BOUNDS)."""

from __future__ import annotations

import pytest
from django.test import Client

from dealtracker.accounts.tokens import api_token_create
from dealtracker.claims.models import Assessment

from .conftest import bearer

# Each answer's own reads (up to nine for a page of claims with their evidence), plus
# the gate: the token and its user's permissions (three), the rate limit (one), and
# outside a transaction the content version (one; tests run inside one).
LIST_BOUND = 14
DETAIL_BOUND = 12


# Every test here only reads: the many rows are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_many_rows")


@pytest.fixture
def big(many_rows, reader, admin_user):
    rows = many_rows
    _, raw = api_token_create(user=reader, name="bench", by=admin_user)
    rows.token = raw
    return rows


def _urls(big) -> dict[str, str]:
    deal = big.deal.slug
    party = big.parties[4].slug
    assessment = Assessment.objects.order_by("id").first()
    return {
        "deals": "/api/v1/deals/?limit=200",
        "deals filtered": f"/api/v1/deals/?party={party}&status=proposed",
        "deal": f"/api/v1/deals/{deal}/",
        "phases": f"/api/v1/phases/?deal={deal}",
        "phase": f"/api/v1/phases/{big.deal.phases.first().pk}/",
        "clauses": f"/api/v1/clauses/?deal={deal}&limit=200",
        "clauses of a party": f"/api/v1/clauses/?party={party}&limit=200",
        "clause": f"/api/v1/clauses/{big.clauses[4].pk}/",
        "parties": "/api/v1/parties/?limit=200",
        "party": f"/api/v1/parties/{party}/",
        "claims": "/api/v1/claims/?limit=200",
        "claims filtered": f"/api/v1/claims/?deal={deal}&subject={party}&kind=compliance",
        "claims searched": "/api/v1/claims/?q=ceasefire&limit=200",
        "claim": f"/api/v1/claims/{big.claims[1].pk}/",
        "assessments": "/api/v1/assessments/?limit=200",
        "assessment": f"/api/v1/assessments/{assessment.pk}/" if assessment else "",
        "sources": "/api/v1/sources/?limit=200",
        "source": f"/api/v1/sources/{big.claims[1].evidence.first().passage.source_id}/",
        "schema": "/api/v1/schema/",
    }


@pytest.mark.parametrize("who", ["token", "anonymous"])
def test_every_endpoint_runs_a_bounded_number_of_queries_with_many_rows(
    big, public_read, django_assert_max_num_queries, who
):
    client = Client(headers=bearer(big.token)) if who == "token" else Client()
    for name, url in _urls(big).items():
        if not url:
            continue
        bound = LIST_BOUND if "?" in url or url.endswith("s/") else DETAIL_BOUND
        with django_assert_max_num_queries(bound, info=name):
            response = client.get(url)
        assert response.status_code == 200, (name, response.content[:300])
    # The lists were long: the bound held with many rows on a page.
    claims = client.get("/api/v1/claims/?limit=200").json()["items"]
    assert len(claims) >= 150 and sum(len(c["evidence"]) for c in claims) >= 150
