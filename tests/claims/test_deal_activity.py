"""The home page's per-deal figures: latest activity and compliance counts.

Both are written for indexes (claims migrations 0006-0007); these tests pin what
they count, including a claim whose deal is known only through its clause or phase.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from dealtracker.claims.models import Claim
from dealtracker.claims.queries import (
    claims_for_deal,
    compliance_counts_by_deal,
    deals_by_activity,
)
from dealtracker.deals.models import Clause, Deal, Phase


def _claim(**fields) -> Claim:
    fields.setdefault("is_published", True)
    if fields["is_published"]:
        fields.setdefault("published_at", timezone.now())
    fields.setdefault(
        "kind", Claim.Kind.COMPLIANCE if fields.get("compliance") else Claim.Kind.OTHER
    )
    fields.setdefault("statement", "A claim.")
    return Claim.objects.create(**fields)


@pytest.fixture
def deals(db):
    first = Deal.objects.create(title="First", slug="first")
    second = Deal.objects.create(title="Second", slug="second")
    phase = Phase.objects.create(deal=first, order=1, name="One")
    clause = Clause.objects.create(deal=first, phase=phase, reference="1.1", title="T", position=1)
    return first, second, phase, clause


def test_compliance_counts_count_claims_of_the_deal_its_clauses_and_phases(deals):
    first, second, phase, clause = deals
    _claim(deal=first, clause=clause, compliance="complied")
    _claim(deal=first, compliance="complied")
    # Written without their own deal (older rows): still the first deal's.
    _claim(clause=clause, compliance="not_complied")
    _claim(phase=phase, compliance="not_complied")
    _claim(deal=second, compliance="unclear")

    counts = compliance_counts_by_deal(deal_ids=[first.pk, second.pk], user=AnonymousUser())

    assert counts[first.pk].counts == {"complied": 2, "not_complied": 2}
    assert counts[second.pk].counts == {"unclear": 1}


def test_compliance_counts_leave_out_refuted_claims_and_drafts_for_the_public(deals, reader):
    first, _, _, clause = deals
    _claim(deal=first, clause=clause, compliance="complied")
    _claim(deal=first, compliance="complied", verification=Claim.Verification.REFUTED)
    _claim(deal=first, compliance="complied", is_published=False)
    _claim(deal=first, kind=Claim.Kind.OTHER, compliance="")

    public = compliance_counts_by_deal(deal_ids=[first.pk], user=AnonymousUser())
    readers = compliance_counts_by_deal(deal_ids=[first.pk], user=reader)

    assert public[first.pk].counts == {"complied": 1}
    assert readers[first.pk].counts == {"complied": 2}


def test_deals_are_ordered_by_their_latest_claim_and_public_visitors_ignore_drafts(deals, reader):
    first, second, _, _ = deals
    long_ago = timezone.now() - dt.timedelta(days=30)
    Deal.objects.update(updated_at=long_ago)
    _claim(deal=first)
    Claim.objects.update(updated_at=long_ago + dt.timedelta(days=1))
    draft = _claim(deal=second, is_published=False)
    Claim.objects.filter(pk=draft.pk).update(updated_at=long_ago + dt.timedelta(days=2))

    public = list(deals_by_activity(Deal.objects.all(), user=AnonymousUser()))
    readers = list(deals_by_activity(Deal.objects.all(), user=reader))

    assert public == [first, second]
    assert readers == [second, first]


def test_a_deals_recent_claims_include_claims_on_its_clauses_newest_first(deals):
    first, second, phase, clause = deals
    older = _claim(deal=first, clause=clause, made_on=dt.date(2025, 1, 2))
    newer = _claim(deal=first, phase=phase, made_on=dt.date(2025, 2, 3))
    _claim(deal=second, made_on=dt.date(2025, 3, 4))

    claims = list(claims_for_deal(deal=first, user=AnonymousUser()))

    assert claims == [newer, older]
    # The clause's and phase's deal is the claim's own, without another query.
    assert claims[1].clause.deal is claims[1].deal
    assert claims[0].phase.deal is claims[0].deal
