"""The parties list reads its page from an index in its own order."""

from __future__ import annotations

import pytest
from django.db import connection

from dealtracker.deals.models import Party
from dealtracker.deals.queries import parties_for_list

pytestmark = pytest.mark.django_db


def test_the_parties_list_page_comes_from_the_name_index():
    Party.objects.bulk_create(
        [Party(name=f"Party {i:03}", slug=f"party-{i:03}", kind="state") for i in range(60)]
    )
    with connection.cursor() as cursor:
        # A sort of a few test rows costs less than the index: sorts off, so the plan
        # shows whether the index can give the order (a Sort remains when it cannot).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = parties_for_list().values("id")[:51].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "party_name_order_idx" in plan, plan
    assert "Sort" not in plan.split("party_name_order_idx")[0], plan
