"""What must always hold is held by the database itself, not only by forms.

Each test writes a bad row past Django's validation (plain save, .update() or
raw SQL) and expects PostgreSQL to refuse it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import Passage, Source, SourceRevision

TEXT = "Hamas is ready to release all hostages. Israel refuses phase two."


@pytest.fixture
def deal(db):
    return Deal.objects.create(title="A deal", slug="a-deal")


@pytest.fixture
def revision(db):
    source = Source.objects.create(title="A report", text=TEXT, text_hash=text_hash(TEXT))
    return SourceRevision.objects.create(
        source=source, number=1, text=TEXT, text_hash=text_hash(TEXT)
    )


def passage_on(revision, start, end, **overrides):
    fields = {
        "source": revision.source,
        "start": start,
        "end": end,
        "quote": revision.text[start:end],
        "revision_made": revision,
        "revision_anchored": revision,
        **overrides,
    }
    return Passage.objects.create(**fields)


def refused(constraint: str | None = None):
    """Expect the database to refuse, naming the constraint when given."""
    return pytest.raises(IntegrityError, match=constraint or "")


def test_a_second_party_with_the_same_slug_is_refused(db):
    Party.objects.create(name="Hamas", slug="hamas")
    with refused("slug"), transaction.atomic():
        Party.objects.create(name="Hamas movement", slug="hamas")


def test_two_clauses_with_one_reference_in_a_deal_are_refused(deal):
    Clause.objects.create(deal=deal, reference="2.1", title="Permanent ceasefire")
    with refused("clause_reference_unique_in_deal"), transaction.atomic():
        Clause.objects.create(deal=deal, reference="2.1", title="Full withdrawal")


def test_the_same_reference_in_two_deals_is_fine(deal):
    other = Deal.objects.create(title="Another deal", slug="another-deal")
    Clause.objects.create(deal=deal, reference="2.1", title="Permanent ceasefire")
    Clause.objects.create(deal=other, reference="2.1", title="Permanent ceasefire")


def test_a_clause_reference_with_a_slash_is_refused(deal):
    with refused("clause_reference_url_safe"), transaction.atomic():
        Clause.objects.create(deal=deal, reference="2/1", title="Bad reference")


def test_a_half_specified_relative_deadline_is_refused(deal):
    phase = Phase.objects.create(deal=deal, order=1, name="One")
    with refused("clause_deadline_date_or_delay"), transaction.atomic():
        # A delay with no unit.
        Clause.objects.create(
            deal=deal,
            reference="1.1",
            title="x",
            deadline_delay=72,
            deadline_anchor="start",
            deadline_phase=phase,
        )
    with refused("clause_deadline_date_or_delay"), transaction.atomic():
        # A date and a delay at once.
        Clause.objects.create(
            deal=deal,
            reference="1.2",
            title="x",
            deadline_date=dt.date(2025, 3, 2),
            deadline_delay=72,
            deadline_delay_unit="hours",
            deadline_anchor="start",
            deadline_phase=phase,
        )


def test_a_complete_relative_deadline_is_accepted(deal):
    phase = Phase.objects.create(deal=deal, order=2, name="Two")
    Clause.objects.create(
        deal=deal,
        reference="2.3",
        title="Release within 72 hours",
        deadline_delay=72,
        deadline_delay_unit="hours",
        deadline_anchor="start",
        deadline_phase=phase,
    )


def test_two_phases_with_one_order_in_a_deal_are_refused(deal):
    Phase.objects.create(deal=deal, order=1, name="One")
    with refused("phase_order_unique_in_deal"), transaction.atomic():
        Phase.objects.create(deal=deal, order=1, name="Also one")


def test_a_phase_ending_before_it_starts_is_refused(deal):
    with refused("phase_planned_end_after_start"), transaction.atomic():
        Phase.objects.create(
            deal=deal,
            order=1,
            name="One",
            planned_start=dt.date(2025, 3, 2),
            planned_end=dt.date(2025, 3, 1),
        )
    with refused("phase_actual_end_after_start"), transaction.atomic():
        Phase.objects.create(
            deal=deal,
            order=2,
            name="Two",
            actual_start=dt.date(2025, 1, 19),
            actual_end=dt.date(2025, 1, 1),
        )


def test_a_passage_starting_at_or_after_its_end_is_refused(revision):
    with refused("passage_nonempty"), transaction.atomic():
        passage_on(revision, 5, 5, quote="")
    with refused("passage_nonempty"), transaction.atomic():
        passage_on(revision, 9, 5, quote="")


def test_a_passage_ending_past_its_revision_text_is_refused(revision):
    end = len(TEXT) + 4
    with refused("past the end"), transaction.atomic():
        passage_on(revision, len(TEXT) - 2, end, quote="x" * 6)


def test_a_passage_moved_past_the_text_by_an_update_is_refused(revision):
    passage = passage_on(revision, 0, 5)
    with refused("past the end"), transaction.atomic():
        Passage.objects.filter(pk=passage.pk).update(
            start=len(TEXT), end=len(TEXT) + 5, quote="Hamas"
        )


def test_a_passage_quote_not_matching_its_span_length_is_refused(revision):
    with refused("passage_quote_matches_span"), transaction.atomic():
        passage_on(revision, 0, 5, quote="Hama")


@pytest.mark.parametrize(
    ("model", "field", "value", "constraint"),
    [
        (Party, "kind", "warlord", "party_kind_valid"),
        (Deal, "status", "forgotten", "deal_status_valid"),
        (Deal, "purpose", "profit", "deal_purpose_valid"),
        (Phase, "status", "sleeping", "phase_status_valid"),
        (Clause, "category", "weather", "clause_category_valid"),
        (Claim, "verification", "probably", "claim_verification_valid"),
        (Claim, "kind", "rumour", "claim_kind_valid"),
        (Source, "kind", "blog", "source_kind_valid"),
    ],
)
def test_a_value_outside_its_vocabulary_is_refused_by_update(
    deal, revision, model, field, value, constraint
):
    Party.objects.create(name="Israel", slug="israel")
    Phase.objects.create(deal=deal, order=1, name="One")
    Clause.objects.create(deal=deal, reference="1.1", title="x")
    Claim.objects.create(statement="Something was said.")
    with refused(constraint), transaction.atomic():
        model.objects.update(**{field: value})


def test_mechanisms_outside_the_vocabulary_are_refused(deal):
    with refused("deal_mechanisms_valid"), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(mechanisms=["monitoring", "prayer"])


def test_a_vocabulary_value_written_in_raw_sql_is_refused(deal):
    with refused("deal_status_valid"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE deals_deal SET status = 'nonsense' WHERE id = %s", [deal.pk])


def test_a_compliance_on_a_claim_that_is_not_about_compliance_is_refused(db):
    with refused("claim_compliance_only_for_compliance_kind"), transaction.atomic():
        Claim.objects.create(statement="Hamas offers a truce.", kind="offer", compliance="complied")


def test_a_compliance_claim_without_a_compliance_is_refused(db):
    with refused("claim_compliance_only_for_compliance_kind"), transaction.atomic():
        Claim.objects.create(statement="Israel broke the truce.", kind="compliance", compliance="")


def test_a_published_claim_needs_a_publication_time(db):
    with refused("claim_published_has_time"), transaction.atomic():
        Claim.objects.create(statement="Published without a time.", is_published=True)


def test_linking_the_same_passage_twice_to_a_claim_is_refused(revision):
    passage = passage_on(revision, 0, 5)
    claim = Claim.objects.create(statement="Hamas said something.")
    Evidence.objects.create(claim=claim, passage=passage)
    with refused("evidence_once_per_passage"), transaction.atomic():
        Evidence.objects.create(claim=claim, passage=passage, relation="supports")


def test_a_second_source_with_the_same_url_is_refused(db):
    url = "https://example.org/report"
    Source.objects.create(title="One", url=url, text=TEXT, text_hash=text_hash(TEXT))
    with refused("source_url_unique"), transaction.atomic():
        Source.objects.create(title="Two", url=url, text=TEXT, text_hash=text_hash(TEXT))


def test_a_deal_answering_itself_is_refused(deal):
    with refused("deal_not_answering_itself"), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(answers=deal)
