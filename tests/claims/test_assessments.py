import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from dealtracker.claims.assessments import (
    assessment_history,
    assessment_record,
    disagrees,
    step_chart,
)
from dealtracker.claims.models import Assessment, Claim
from dealtracker.claims.slipping import overdue_terms
from dealtracker.deals.models import Clause, Deal, Party, Phase

D = dt.date


@pytest.fixture
def deal_with_a_claim(db):
    deal = Deal.objects.create(title="Deal", slug="deal", status="in_force")
    israel = Party.objects.create(name="Israel", slug="israel", kind="state")
    hamas = Party.objects.create(name="Hamas", slug="hamas", kind="armed_group")
    one = Phase.objects.create(
        deal=deal, order=1, name="One", planned_start=D(2025, 1, 19), planned_end=D(2025, 3, 1)
    )
    clause = Clause.objects.create(
        deal=deal, phase=one, reference="1.1", title="Release", position=1
    )
    clause.obliged_parties.set([israel, hamas])
    aid = Clause.objects.create(
        deal=deal, phase=one, reference="1.2", title="Aid", deadline_date=D(2025, 2, 1)
    )
    aid.obliged_parties.set([israel])
    claim = Claim.objects.create(
        statement="Hamas released the hostages due in phase one.",
        kind="compliance",
        compliance="complied",
        clause=clause,
        deal=deal,
        made_on=D(2025, 2, 20),
        is_published=True,
        published_at=timezone.now(),
    )
    claim.subjects.set([hamas])
    return dict(deal=deal, israel=israel, hamas=hamas, one=one, clause=clause, aid=aid, claim=claim)


def test_an_assessment_above_not_started_must_cite_a_claim(deal_with_a_claim, editor):
    with pytest.raises(ValidationError) as error:
        assessment_record(
            clause=deal_with_a_claim["clause"],
            party=deal_with_a_claim["hamas"],
            assessed_on=D(2025, 3, 1),
            level="intermediate",
            rationale="Most released.",
            by=editor,
        )
    assert "claims" in error.value.message_dict
    assert not Assessment.objects.exists()


def test_assessing_a_party_the_clause_does_not_oblige_is_refused(deal_with_a_claim, editor):
    outsider = Party.objects.create(name="Qatar", slug="qatar", kind="mediator")
    with pytest.raises(ValidationError) as error:
        assessment_record(
            clause=deal_with_a_claim["clause"],
            party=outsider,
            assessed_on=D(2025, 3, 1),
            level="not_started",
            rationale="r",
            by=editor,
        )
    assert "not obliged" in error.value.message_dict["party"][0]


def test_assessments_accumulate_into_a_history(deal_with_a_claim, editor):
    w = deal_with_a_claim
    assessment_record(
        clause=w["clause"],
        party=w["hamas"],
        assessed_on=D(2025, 2, 1),
        level="not_started",
        rationale="None yet.",
        by=editor,
    )
    assessment_record(
        clause=w["clause"],
        party=w["hamas"],
        assessed_on=D(2025, 3, 1),
        level="full",
        rationale="All released.",
        claims=[w["claim"]],
        by=editor,
    )
    history = assessment_history(clause=w["clause"], user=editor)
    assert [a.level for a in history[w["hamas"].pk]] == ["not_started", "full"]
    as_of = assessment_history(clause=w["clause"], user=editor, as_of=D(2025, 2, 15))
    assert [a.level for a in as_of[w["hamas"].pk]] == ["not_started"]
    chart = step_chart(history[w["hamas"].pk], start=D(2025, 1, 19), end=D(2025, 4, 1))
    assert len(chart["marks"]) == 2
    assert chart["marks"][0]["y"] == chart["height"]  # not started: bottom
    assert chart["marks"][1]["y"] == 0  # full: top


def test_assessment_and_latest_claim_pointing_different_ways_disagree(deal_with_a_claim):
    full = Assessment(level="full")
    started = Assessment(level="not_started")
    assert not disagrees(full, deal_with_a_claim["claim"])
    assert disagrees(started, deal_with_a_claim["claim"])
    assert not disagrees(None, deal_with_a_claim["claim"])


@time_machine.travel(dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC), tick=False)
def test_overdue_terms_are_due_and_not_assessed_full(deal_with_a_claim, editor):
    w = deal_with_a_claim
    assessment_record(
        clause=w["clause"],
        party=w["hamas"],
        assessed_on=D(2025, 3, 2),
        level="full",
        rationale="All released.",
        claims=[w["claim"]],
        by=editor,
    )
    terms = overdue_terms(today=D(2025, 3, 10), user=editor)
    by_ref = {t.clause.reference: t for t in terms}
    assert set(by_ref) == {"1.1", "1.2"}
    # Hamas is assessed full on 1.1, so only Israel is behind on it.
    assert [p.slug for p, _ in by_ref["1.1"].behind] == ["israel"]
    assert by_ref["1.2"].days_overdue == 37
    assert overdue_terms(today=D(2025, 1, 25), user=editor) == []
