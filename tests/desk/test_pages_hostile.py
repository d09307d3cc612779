"""Untrusted text is escaped on every reading page, the SVG timeline and the matrix
included."""

from __future__ import annotations

import pytest

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from tests.factories import make_claim, make_passage, make_source

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.mark.django_db
def test_hostile_text_is_escaped_on_every_reading_page(reader_client):
    party = Party.objects.create(name=f"P {HOSTILE}", short_name=HOSTILE, slug="p")
    deal = Deal.objects.create(title=f"D {HOSTILE}", slug="d", summary=HOSTILE, editor_note=HOSTILE)
    DealParty.objects.create(deal=deal, party=party)
    phase = Phase.objects.create(
        deal=deal, order=1, name=HOSTILE, planned_start="2025-01-01", planned_end="2025-02-01"
    )
    clause = Clause.objects.create(
        deal=deal, phase=phase, reference="1", title=HOSTILE, text=HOSTILE
    )
    clause.obliged_parties.set([party])
    source = make_source(f"Before. {HOSTILE} After.", title=HOSTILE)
    passage = make_passage(source, HOSTILE, note=HOSTILE)
    claim = make_claim(
        statement=HOSTILE,
        attribution=HOSTILE,
        clause=clause,
        compliance=Claim.Compliance.NOT_COMPLIED,
        subjects=[party],
        passages=[passage],
        evidence_note=HOSTILE,
    )
    other = Deal.objects.create(title=HOSTILE, slug="e")
    Clause.objects.create(deal=other, reference="1", title=HOSTILE, text=HOSTILE + " changed")
    urls = [
        "/",
        "/deals/",
        "/deals/d/",
        "/deals/d/matrix/1/p/",
        "/deals/d/phases/1/",
        "/deals/d/clauses/1/",
        "/deals/d/compare/e/",
        f"/claims/{claim.pk}/",
        "/parties/",
        "/parties/p/",
        f"/deals/?status={HOSTILE}",
        f"/parties/?name={HOSTILE}",
    ]
    for url in urls:
        response = reader_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script>alert" not in body, url
        assert 'onerror="alert' not in body, url
        assert "<img src=x" not in body, url
