"""The benchmark's baseline view: one template, one query, open to everyone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_baseline_page_answers_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/bench/trivial/")
    assert response.status_code == 200
    assert "The database answered 1." in response.content.decode()


def test_the_baseline_page_accepts_only_get(client):
    assert client.post("/bench/trivial/").status_code == 405
