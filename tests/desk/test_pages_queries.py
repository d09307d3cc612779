"""Every reading page runs a bounded number of SQL queries whatever the amount of data:
measured with `many_rows` (30 clauses x 10 parties, 300 claims with evidence, 16 deals)."""

from __future__ import annotations

import pytest
from django.urls import reverse

# Session and user lookups included; the pages' own reads are a fixed handful each.
BOUND = 20
# Every test here only reads: the many rows are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_many_rows")


def urls(big) -> dict[str, str]:
    deal = big.deal.slug
    clause = big.clauses[4].reference
    party = big.parties[4].slug
    return {
        "home": reverse("desk:home"),
        "deal-list": reverse("desk:deal-list"),
        "deal-list-filtered": reverse("desk:deal-list") + f"?status=proposed&party={party}",
        "deal": reverse("desk:deal-detail", args=[deal]),
        "cell": reverse("desk:deal-matrix-cell", args=[deal, clause, party]),
        "phase": reverse("desk:phase-detail", args=[deal, 2]),
        "clause": reverse("desk:clause-detail", args=[deal, clause]),
        "compare": reverse("desk:deal-compare", args=[deal, big.other_deals[0].slug]),
        "claim": reverse("desk:claim-detail", args=[big.claims[1].pk]),
        "party": reverse("desk:party-detail", args=[party]),
        "party-list": reverse("desk:party-list") + "?kind=state",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "home",
        "deal-list",
        "deal-list-filtered",
        "deal",
        "cell",
        "phase",
        "clause",
        "compare",
        "claim",
        "party",
        "party-list",
    ],
)
def test_page_runs_a_bounded_number_of_queries_with_many_rows(
    many_rows, reader_client, django_assert_max_num_queries, page
):
    url = urls(many_rows)[page]
    with django_assert_max_num_queries(BOUND):
        response = reader_client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_matrix_cell_partial_runs_a_bounded_number_of_queries(
    many_rows, reader_client, django_assert_max_num_queries
):
    url = urls(many_rows)["cell"]
    with django_assert_max_num_queries(14):
        response = reader_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_big_matrix_has_a_row_per_clause_and_a_column_per_obliged_party(
    many_rows, reader_client
):
    body = reader_client.get(reverse("desk:deal-detail", args=["big-deal"])).content.decode()
    assert body.count('<th scope="row">') == 30
    assert body.count('<td class="cell') == 300
