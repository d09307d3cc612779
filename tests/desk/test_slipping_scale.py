"""/slipping/ and its feed read a page at a time in SQL (claims/slipping.py SlippingList),
from due dates and day counts the database keeps (deals/due_sql.py).

The page must list exactly what the rule in Python (overdue_terms across deals) lists:
held to it on random worlds, for public visitors and for readers who see drafts, and
the kept due dates and counts must stay right when clauses, phases, deals and obliged
parties change.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from dealtracker.claims.models import Assessment, AssessmentLevel
from dealtracker.claims.slipping import overdue_terms, slipping_list
from dealtracker.deals import due_sql
from dealtracker.deals.loose_dates import DatePrecision, period_start
from dealtracker.deals.models import DEAL_OVER_STATUSES, Clause, Deal, DealStatus, Party, Phase

TODAY = dt.date(2025, 6, 15)
PRECISIONS = [p.value for p in DatePrecision]


def _day(rng: random.Random) -> dt.date:
    return TODAY + dt.timedelta(days=rng.randint(-400, 120))


def _loose(rng: random.Random) -> tuple[dt.date | None, str]:
    """A loose date as stored: its period's first day (loose_dates.py)."""
    if rng.random() < 0.2:
        return None, DatePrecision.DAY
    precision = rng.choice(PRECISIONS)
    return period_start(_day(rng), precision), precision


def build_random_world(seed: int, *, deals: int = 6, clauses: int = 14) -> list[Party]:
    rng = random.Random(seed)
    parties = [
        Party.objects.create(name=f"Party {i}", slug=f"party-{seed}-{i}", short_name=f"P{i}")
        for i in range(4)
    ]
    for d in range(deals):
        deal = Deal.objects.create(
            # Titles repeat (ties broken by position, then id), with non-ASCII ones.
            title=rng.choice(["Accord", "Accord", "Ärmelkanal deal", "accord", "Zed", "Ωmega"]),
            slug=f"deal-{seed}-{d}",
            status=rng.choice(list(DealStatus.values)),
        )
        phases = []
        for order in range(1, rng.randint(1, 3) + 1):
            ps, ps_p = _loose(rng)
            pe, pe_p = _loose(rng)
            if ps and pe and pe < ps:
                (ps, ps_p), (pe, pe_p) = (pe, pe_p), (ps, ps_p)
            as_, as_p = _loose(rng) if rng.random() < 0.5 else (None, DatePrecision.DAY)
            ae, ae_p = _loose(rng) if rng.random() < 0.4 else (None, DatePrecision.DAY)
            if as_ and ae and ae < as_:
                (as_, as_p), (ae, ae_p) = (ae, ae_p), (as_, as_p)
            phases.append(
                Phase.objects.create(
                    deal=deal,
                    order=order,
                    name=f"Phase {order}",
                    planned_start=ps,
                    planned_start_precision=ps_p,
                    planned_end=pe,
                    planned_end_precision=pe_p,
                    actual_start=as_,
                    actual_start_precision=as_p,
                    actual_end=ae,
                    actual_end_precision=ae_p,
                )
            )
        for n in range(clauses):
            fields: dict = {
                "deal": deal,
                "reference": f"{n // 3}.{n}",
                "position": rng.choice([0, 0, n]),  # positions repeat too
                "title": f"Term {n}",
                "phase": rng.choice([None, *phases]),
            }
            kind = rng.random()
            if kind < 0.35:
                fields["deadline_date"], fields["deadline_date_precision"] = _loose(rng)
            elif kind < 0.7:
                fields.update(
                    deadline_phase=rng.choice(phases),
                    deadline_anchor=rng.choice(["start", "end"]),
                    deadline_delay=rng.randint(0, 100),
                    deadline_delay_unit=rng.choice(["hours", "days"]),
                )
            clause = Clause.objects.create(**fields)
            clause.obliged_parties.set(rng.sample(parties, rng.randint(0, 3)))
            for party in clause.obliged_parties.all():
                for _ in range(rng.choice([0, 0, 1, 2, 3])):
                    published = rng.random() < 0.6
                    Assessment.objects.create(
                        clause=clause,
                        party=party,
                        assessed_on=TODAY + dt.timedelta(days=rng.randint(-300, 10)),
                        level=rng.choice(
                            [AssessmentLevel.FULL, AssessmentLevel.FULL, *AssessmentLevel.values]
                        ),
                        rationale="Reported.",
                        is_published=published,
                        published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) if published else None,
                    )
    return parties


def _shown(terms) -> list[tuple]:
    """What a row of the page shows: the term, its due date and basis, days overdue, and
    each party behind with its assessment."""
    return [
        (
            t.clause.pk,
            t.due.date,
            t.due.display,
            t.due.basis,
            t.days_overdue,
            [(p.pk, a.pk if a else None) for p, a in t.behind],
        )
        for t in terms
    ]


def _assert_due_on_is_the_rule() -> None:
    for clause in Clause.objects.select_related("phase", "deadline_phase"):
        assert clause.due_on == clause.due_date().date, clause


def _assert_day_counts_are_right() -> None:
    expected: dict[dt.date, int] = {}
    for clause in Clause.objects.select_related("deal").prefetch_related("obliged_parties"):
        if clause.due_on and not clause.deal.is_over() and clause.obliged_parties.all():
            expected[clause.due_on] = expected.get(clause.due_on, 0) + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT due_on, n FROM deals_clause_due_day WHERE n > 0")
        assert dict(cursor.fetchall()) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_the_sql_list_is_the_rule_on_random_worlds(seed, editor):
    build_random_world(seed)
    _assert_due_on_is_the_rule()
    _assert_day_counts_are_right()
    for user in (AnonymousUser(), editor):
        for today in (TODAY, TODAY - dt.timedelta(days=90), TODAY + dt.timedelta(days=60)):
            expected = overdue_terms(today=today, user=user)
            listed = slipping_list(today=today, user=user)
            assert len(listed) == len(expected)
            assert _shown(listed[0 : len(expected)]) == _shown(expected)
            rng = random.Random(seed)
            for _ in range(6):
                start = rng.randint(0, len(expected) + 2)
                stop = start + rng.randint(1, 9)
                assert _shown(listed[start:stop]) == _shown(expected[start:stop]), (start, stop)
                # A page's list, counted with its window: the same length and rows, also
                # when the page's slice stops at the list's end rather than at the window's.
                windowed = slipping_list(today=today, user=user, window=(start, stop))
                assert len(windowed) == len(expected)
                end = min(stop, len(expected))
                assert _shown(windowed[start:end]) == _shown(expected[start:end]), (start, end)


@pytest.mark.django_db
def test_kept_due_dates_and_counts_follow_changes():
    build_random_world(99, deals=3, clauses=8)
    rng = random.Random(5)
    # A phase's dates change: the clauses hanging on it follow.
    for phase in Phase.objects.all():
        phase.actual_start, phase.actual_start_precision = TODAY - dt.timedelta(days=50), "mid"
        phase.actual_end, phase.actual_end_precision = TODAY - dt.timedelta(days=3), "day"
        phase.save()
    _assert_due_on_is_the_rule()
    _assert_day_counts_are_right()
    # Clauses change deadline, phase or deal; lose or gain obliged parties; go.
    clauses = list(Clause.objects.all())
    parties = list(Party.objects.all())
    for clause in clauses[:6]:
        clause.deadline_phase, clause.deadline_anchor = None, ""
        clause.deadline_delay, clause.deadline_delay_unit = None, ""
        clause.deadline_date = period_start(_day(rng), "month")
        clause.deadline_date_precision = "month"
        clause.save()
    for clause in clauses[6:10]:
        clause.obliged_parties.clear()
    for clause in clauses[10:14]:
        clause.obliged_parties.add(*parties[:2])
    Clause.objects.filter(pk__in=[c.pk for c in clauses[14:16]]).update(
        deadline_date=TODAY - dt.timedelta(days=7)
    )
    Assessment.objects.filter(clause__in=clauses[16:18]).delete()
    Clause.objects.filter(pk__in=[c.pk for c in clauses[16:18]]).delete()
    _assert_due_on_is_the_rule()
    _assert_day_counts_are_right()
    # Deals end and resume.
    for deal in Deal.objects.all():
        deal.status = DealStatus.CONCLUDED if deal.is_over() is False else DealStatus.IN_FORCE
        deal.save()
    _assert_day_counts_are_right()
    Deal.objects.update(status=DealStatus.SUSPENDED)
    _assert_day_counts_are_right()
    expected = overdue_terms(today=TODAY, user=AnonymousUser())
    assert _shown(slipping_list(today=TODAY, user=AnonymousUser())[0:500]) == _shown(expected)


def test_the_sql_knows_which_deals_are_over():
    assert set(due_sql.OVER_STATUSES) == {str(s) for s in DEAL_OVER_STATUSES}


def _per_day_queries(queries) -> int:
    return sum("deals_clause_due_day" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
def test_slipping_pages_run_a_bounded_number_of_queries(
    reader_client, django_assert_max_num_queries
):
    build_random_world(3, deals=8, clauses=20)
    total = len(slipping_list(today=dt.date.today(), user=AnonymousUser()))
    assert total > 25
    last = (total + 24) // 25
    pages = ["", "?page=2", f"?page={last}", "?page=x"]
    for url in [reverse("desk:slipping") + query for query in pages]:
        # Session, user, permissions (2); the full terms, the per-day counts, the page's
        # clauses; its clauses, their parties and their assessments.
        with django_assert_max_num_queries(10) as queries:
            response = reader_client.get(url)
        assert response.status_code == 200
        # The count and the page's rows come from one reading of the day counts.
        assert _per_day_queries(queries) == 1, url
    with django_assert_max_num_queries(10) as queries:
        assert reader_client.get(reverse("desk:slipping-feed")).status_code == 200
    assert _per_day_queries(queries) == 1


@pytest.mark.django_db
def test_a_slipping_page_past_the_end_shows_the_last_page(reader_client):
    build_random_world(3, deals=8, clauses=20)
    total = len(slipping_list(today=dt.date.today(), user=AnonymousUser()))
    last = (total + 24) // 25
    htmx = {"headers": {"HX-Request": "true"}}
    past = reader_client.get(reverse("desk:slipping") + "?page=999", **htmx).content.decode()
    at_last = reader_client.get(reverse("desk:slipping") + f"?page={last}", **htmx)
    assert f"Page {last} of {last}" in past
    assert at_last.content.decode() == past
