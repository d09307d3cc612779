import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from dealtracker.claims.models import Assessment
from dealtracker.claims.rollups import deal_rollup, party_rollup
from dealtracker.deals.models import Clause, Deal, Party, Phase

D = dt.date


@pytest.fixture
def three_clause_deal(db):
    deal = Deal.objects.create(title="Deal", slug="deal")
    israel = Party.objects.create(name="Israel", slug="israel", kind="state")
    hamas = Party.objects.create(name="Hamas", slug="hamas", kind="armed_group")
    one = Phase.objects.create(
        deal=deal, order=1, name="One", planned_start=D(2025, 1, 19), planned_end=D(2025, 3, 1)
    )
    two = Phase.objects.create(
        deal=deal, order=2, name="Two", planned_start=D(2025, 3, 2), planned_end=D(2025, 4, 12)
    )
    c1 = Clause.objects.create(deal=deal, phase=one, reference="1.1", title="Release", position=1)
    c1.obliged_parties.set([israel, hamas])
    c2 = Clause.objects.create(deal=deal, phase=one, reference="1.2", title="Aid", position=2)
    c2.obliged_parties.set([israel])
    c3 = Clause.objects.create(
        deal=deal, phase=two, reference="2.1", title="Withdrawal", position=3
    )
    c3.obliged_parties.set([israel])
    return dict(deal=deal, israel=israel, hamas=hamas, one=one, two=two, c1=c1, c2=c2, c3=c3)


def assess(clause, party, on, level, published=True):
    return Assessment.objects.create(
        clause=clause,
        party=party,
        assessed_on=on,
        level=level,
        rationale="r",
        is_published=published,
        published_at=timezone.now() if published else None,
    )


def test_rollup_counts_steps_as_thirds_over_due_cells_only(three_clause_deal, editor):
    w = three_clause_deal
    assess(w["c1"], w["israel"], D(2025, 2, 1), "full")
    assess(w["c1"], w["hamas"], D(2025, 2, 1), "minimal")
    # c2 × Israel not assessed: counts as 0. c3 is not due in March.
    rollup = deal_rollup(deal=w["deal"], as_of=D(2025, 3, 15), user=editor)
    # cells due: (c1,Israel)=1, (c1,Hamas)=1/3, (c2,Israel)=0  → 4/9
    assert rollup.overall == pytest.approx(100 * 4 / 9)
    assert rollup.by_phase[w["one"].pk] == pytest.approx(100 * 4 / 9)
    assert rollup.by_phase[w["two"].pk] is None
    assert rollup.by_party[w["hamas"].pk] == pytest.approx(100 / 3)
    assert rollup.by_party[w["israel"].pk] == pytest.approx(50)
    labels = {(c.clause.reference, c.party.slug): c.label for c in rollup.cells}
    assert labels[("1.2", "israel")] == "not assessed"


def test_rollup_as_of_a_date_between_assessments_uses_the_one_then_current(
    three_clause_deal, editor
):
    w = three_clause_deal
    assess(w["c1"], w["hamas"], D(2025, 2, 1), "minimal")
    assess(w["c1"], w["hamas"], D(2025, 3, 20), "full")
    before = party_rollup(party=w["hamas"], as_of=D(2025, 3, 10), user=editor)
    after = party_rollup(party=w["hamas"], as_of=D(2025, 3, 25), user=editor)
    assert before.overall == pytest.approx(100 / 3)
    assert after.overall == pytest.approx(100)


def test_nothing_due_gives_no_percentage(three_clause_deal, editor):
    rollup = deal_rollup(deal=three_clause_deal["deal"], as_of=D(2025, 1, 1), user=editor)
    assert rollup.overall is None


def test_public_visitors_do_not_count_draft_assessments(three_clause_deal, editor):
    w = three_clause_deal
    assess(w["c1"], w["hamas"], D(2025, 2, 1), "full", published=False)
    anonymous = AnonymousUser()
    assert party_rollup(party=w["hamas"], as_of=D(2025, 3, 10), user=anonymous).overall == 0
    assert party_rollup(
        party=w["hamas"], as_of=D(2025, 3, 10), user=editor
    ).overall == pytest.approx(100)


def test_rollup_runs_a_constant_number_of_queries(
    three_clause_deal, editor, django_assert_max_num_queries
):
    w = three_clause_deal
    for i in range(30):
        clause = Clause.objects.create(
            deal=w["deal"], phase=w["one"], reference=f"9.{i}", title="x"
        )
        clause.obliged_parties.set([w["israel"], w["hamas"]])
        assess(clause, w["israel"], D(2025, 2, 1), "intermediate")
    editor = type(editor).objects.get(pk=editor.pk)
    with django_assert_max_num_queries(6):
        deal_rollup(deal=w["deal"], as_of=D(2025, 3, 15), user=editor)
