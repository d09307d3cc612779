"""The history of the archive's large tables (dealtracker.history.ArchiveHistory) keeps no
index on every record's date, which an import would write a million entries to; the
deleted lists and what went with a deletion, the only reads by date, are still served
by an index (of the deletion records alone)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from dealtracker.claims.models import Claim, Evidence
from dealtracker.history import deleted_objects, deleted_with
from dealtracker.sources.models import Passage, Source, SourceRevision

pytestmark = pytest.mark.django_db

LARGE = [Source, SourceRevision, Passage, Claim, Evidence]


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        # A few test rows cost less to scan and sort than to read through an index:
        # both off, so the plan shows whether an index can answer (a Sort or a Seq Scan
        # remains when none can).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def index_name(model) -> str:
    return f"h{model._meta.model_name}_deleted_idx"


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_the_deleted_list_reads_the_deletion_index(model):
    shown = plan(deleted_objects(model)[:25])
    assert index_name(model) in shown, shown
    assert "Sort" not in shown.split(index_name(model))[0], shown


@pytest.mark.parametrize(
    ("model", "parent"),
    [(SourceRevision, "source_id"), (Passage, "source_id"), (Evidence, "claim_id")],
    ids=lambda m: getattr(m, "__name__", m),
)
def test_what_went_with_a_deletion_is_found_through_an_index(model, parent):
    """What sources/undelete.py and claims/undelete.py bring back with their parent."""
    deletion = model.history.model(history_date=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    shown = plan(deleted_with(model, deletion, **{parent: 1}))
    assert "Seq Scan" not in shown, shown


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_no_index_holds_every_record_by_date(model):
    """Only the deletion records are indexed by date: an added or changed row's record
    (every row of an import) writes no entry there."""
    table = model.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "%history_date%"],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1, definitions
    assert "WHERE ((history_type)::text = '-'::text)" in definitions[0], definitions
