"""The matrix embed stays the same size whatever the deal holds: it draws MATRIX_ROWS
clause rows at a time (?matrix_page=, as the deal page), its page links open in the frame
itself, and the iframe code asks for the height of a page, not of the whole matrix."""

from __future__ import annotations

import re

import pytest

from dealtracker.desk.matrix import MATRIX_ROWS
from dealtracker.desk.sharing import matrix_embed
from tests.conftest import _kept_for_the_module
from tests.desk.test_deal_page_bounded import build_huge_deal, row_refs

EMBED = "/embed/deals/huge-deal/matrix/"
CLAUSES, PARTIES = 100, 4  # the huge deal's
# A page of 40 rows of 4 cells comes to about 81 KB; the whole matrix of 100 rows, drawn
# before the embed paged, to 187 KB.
EMBED_BYTES = 100_000
QUERY_BOUND = 14  # as tests/desk/test_publishing.py


@pytest.fixture(scope="module")
def huge(django_db_setup, django_db_blocker):
    """The deal page's huge deal (100 clauses), built once for the module."""
    yield from _kept_for_the_module(django_db_blocker, build_huge_deal)


@pytest.mark.django_db
def test_the_matrix_embed_of_a_huge_deal_draws_a_page_of_rows_in_bounded_queries(
    huge, client, public_read, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(EMBED)
    assert response.status_code == 200
    assert len(response.content) < EMBED_BYTES
    body = response.content.decode()
    assert row_refs(body) == [c.reference for c in huge.clauses[:MATRIX_ROWS]]
    assert body.count('<td class="cell') == MATRIX_ROWS * PARTIES
    assert f"Clauses 1–{MATRIX_ROWS} of the {CLAUSES} in the matrix" in body
    # The whole deal is counted: the contested cell is on the last page.
    assert "1 contested cell" in body
    # The next page, in the frame itself (the embed's links otherwise open a new tab).
    assert '<nav class="pagination" aria-label="Matrix pages">' in body
    assert f'<a rel="next" target="_self" href="{EMBED}?matrix_page=2">' in body
    assert "<script" not in body and "hx-" not in body and "<form" not in body


@pytest.mark.django_db
def test_page_two_of_the_matrix_embed_shows_the_later_clauses_in_the_same_queries(
    huge, client, public_read, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERY_BOUND) as first:
        client.get(EMBED)
    with django_assert_max_num_queries(QUERY_BOUND) as second:
        response = client.get(EMBED + "?matrix_page=2")
    assert len(second) == len(first)
    body = response.content.decode()
    assert row_refs(body) == [c.reference for c in huge.clauses[MATRIX_ROWS : 2 * MATRIX_ROWS]]
    assert f"Clauses {MATRIX_ROWS + 1}–{2 * MATRIX_ROWS} of the {CLAUSES}" in body
    assert f'<a rel="prev" target="_self" href="{EMBED}?matrix_page=1">' in body
    assert f'<a rel="next" target="_self" href="{EMBED}?matrix_page=3">' in body
    assert "Page 2 of 3" in body
    # Framed like the first page: the same policy.
    assert response["Content-Security-Policy"] == client.get(EMBED)["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "first_row"), [("99", 2 * MATRIX_ROWS), ("x", 0)])
def test_a_matrix_embed_page_out_of_range_gives_the_nearest_page(
    huge, client, public_read, page, first_row
):
    response = client.get(EMBED + f"?matrix_page={page}")
    assert response.status_code == 200
    assert row_refs(response.content.decode())[0] == huge.clauses[first_row].reference


@pytest.mark.django_db
def test_the_iframe_code_asks_for_the_height_of_a_page_of_the_matrix(huge, client, public_read):
    page = matrix_embed(huge.deal, rows=MATRIX_ROWS, parties=PARTIES).height
    assert matrix_embed(huge.deal, rows=CLAUSES, parties=PARTIES).height == page + 100
    assert matrix_embed(huge.deal, rows=10 * CLAUSES, parties=PARTIES).height == page + 100
    body = client.get(huge.deal.get_absolute_url()).content.decode()
    heights = re.findall(r"matrix/&quot; [^<]*?height=&quot;(\d+)&quot;", body)
    assert heights and {int(h) for h in heights} == {page + 100}
