"""Merging duplicate parties, and refusing to delete a party something refers to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import ProtectedError

from dealtracker.claims.models import Assessment, Claim
from dealtracker.deals.models import Clause, Deal, DealParty, Party
from dealtracker.deals.services import PartyMergeError, party_merge, party_references


@pytest.fixture
def twin_parties(db):
    """Hamas twice (as "Hamas" and "Islamic Resistance Movement"), both referred to everywhere."""
    hamas = Party.objects.create(name="Hamas", slug="hamas", kind="armed_group", aliases=["حماس"])
    twin = Party.objects.create(
        name="Islamic Resistance Movement",
        short_name="IRM",
        slug="irm",
        aliases=["Harakat al-Muqawama"],
    )
    israel = Party.objects.create(name="Israel", slug="israel", kind="state")
    deal = Deal.objects.create(title="January deal", slug="january-deal")
    other_deal = Deal.objects.create(title="Proposal", slug="proposal")
    DealParty.objects.create(deal=deal, party=hamas, role="signatory")
    DealParty.objects.create(deal=deal, party=twin, role="signatory")  # same deal, same role
    DealParty.objects.create(deal=other_deal, party=twin, role="signatory")
    both = Clause.objects.create(deal=deal, reference="2.3", title="Release all hostages")
    both.obliged_parties.set([hamas, twin, israel])
    only_twin = Clause.objects.create(deal=deal, reference="2.4", title="Prisoner exchange")
    only_twin.obliged_parties.set([twin])
    claim = Claim.objects.create(
        statement="Hamas will release all hostages.", kind="offer", claimant=twin, deal=deal
    )
    claim.subjects.set([twin, hamas])
    assessment = Assessment.objects.create(
        clause=only_twin,
        party=twin,
        assessed_on=dt.date(2025, 4, 1),
        level="minimal",
        rationale="x",
    )
    return {
        "hamas": hamas,
        "twin": twin,
        "israel": israel,
        "deal": deal,
        "other_deal": other_deal,
        "both": both,
        "only_twin": only_twin,
        "claim": claim,
        "assessment": assessment,
    }


def test_merging_moves_every_reference_to_the_party_kept(twin_parties):
    hamas, twin = twin_parties["hamas"], twin_parties["twin"]
    party_merge(keep=hamas, duplicates=[twin])

    assert not Party.objects.filter(pk=twin.pk).exists()
    assert sorted(DealParty.objects.filter(party=hamas).values_list("deal__slug", flat=True)) == [
        "january-deal",
        "proposal",
    ]
    assert list(
        twin_parties["both"].obliged_parties.order_by("slug").values_list("slug", flat=True)
    ) == [
        "hamas",
        "israel",
    ]
    assert list(twin_parties["only_twin"].obliged_parties.values_list("slug", flat=True)) == [
        "hamas"
    ]
    claim = Claim.objects.get(pk=twin_parties["claim"].pk)
    assert claim.claimant == hamas
    assert list(claim.subjects.values_list("slug", flat=True)) == ["hamas"]
    assert Assessment.objects.get(pk=twin_parties["assessment"].pk).party == hamas


def test_merging_keeps_the_duplicates_names_as_aliases(twin_parties):
    hamas = party_merge(keep=twin_parties["hamas"], duplicates=[twin_parties["twin"]])
    hamas.refresh_from_db()
    assert hamas.aliases == ["حماس", "Islamic Resistance Movement", "IRM", "Harakat al-Muqawama"]
    assert hamas.name == "Hamas"


def test_a_merge_that_fails_midway_changes_nothing(twin_parties, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    # References are moved first; deleting the duplicate, the last step, fails.
    monkeypatch.setattr(Party, "delete", refuse)
    with pytest.raises(RuntimeError):
        party_merge(keep=twin_parties["hamas"], duplicates=[twin_parties["twin"]])

    twin = Party.objects.get(pk=twin_parties["twin"].pk)
    assert DealParty.objects.filter(party=twin).count() == 2
    assert Claim.objects.get(pk=twin_parties["claim"].pk).claimant == twin
    assert set(twin_parties["only_twin"].obliged_parties.all()) == {twin}
    assert Assessment.objects.get(pk=twin_parties["assessment"].pk).party == twin
    assert Party.objects.get(pk=twin_parties["hamas"].pk).aliases == ["حماس"]


def test_a_party_cannot_be_merged_into_itself(twin_parties):
    with pytest.raises(PartyMergeError):
        party_merge(keep=twin_parties["hamas"], duplicates=[twin_parties["hamas"]])


def test_the_admin_merge_action_asks_which_party_to_keep_then_merges(twin_parties, admin_client):
    url = "/admin/deals/party/"
    selected = [twin_parties["hamas"].pk, twin_parties["twin"].pk]
    response = admin_client.post(url, {"action": "merge_parties", ACTION_CHECKBOX_NAME: selected})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Party to keep" in html
    assert "Islamic Resistance Movement" in html

    response = admin_client.post(
        url,
        {
            "action": "merge_parties",
            ACTION_CHECKBOX_NAME: selected,
            "merge": "yes",
            "keep": twin_parties["hamas"].pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Merged" in response.content.decode()
    assert not Party.objects.filter(pk=twin_parties["twin"].pk).exists()
    assert "Islamic Resistance Movement" in Party.objects.get(pk=twin_parties["hamas"].pk).aliases


def test_deleting_a_party_a_claim_refers_to_is_refused_naming_the_claim(twin_parties, admin_client):
    twin = twin_parties["twin"]
    with pytest.raises(ProtectedError):
        twin.delete()

    response = admin_client.get(f"/admin/deals/party/{twin.pk}/delete/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hamas will release all hostages." in html
    response = admin_client.post(f"/admin/deals/party/{twin.pk}/delete/", {"post": "yes"})
    assert response.status_code in (200, 403)
    assert Party.objects.filter(pk=twin.pk).exists()


def test_bulk_deleting_a_referred_party_says_what_still_points_at_it(twin_parties, admin_client):
    response = admin_client.post(
        "/admin/deals/party/",
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [twin_parties["twin"].pk],
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Hamas will release all hostages." in response.content.decode()
    assert Party.objects.filter(pk=twin_parties["twin"].pk).exists()


def test_party_references_lists_what_points_at_a_party(twin_parties):
    found = dict(party_references(party=twin_parties["twin"]))
    everything = " ".join(" ".join(rows) for rows in found.values())
    assert "Hamas will release all hostages." in everything
    assert "Prisoner exchange" in everything
    assert party_references(party=Party.objects.create(name="Nobody", slug="nobody")) == []


def test_a_party_nothing_refers_to_can_be_deleted_in_the_admin(db, admin_client):
    party = Party.objects.create(name="Typo party", slug="typo-party")
    response = admin_client.post(f"/admin/deals/party/{party.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Party.objects.filter(pk=party.pk).exists()


def test_deleting_a_passage_evidence_rests_on_is_refused_naming_the_claim(demo, admin_client):
    from dealtracker.sources.models import Passage

    passage = Passage.objects.get(quote__startswith="According to local health authorities")
    response = admin_client.get(f"/admin/sources/passage/{passage.pk}/delete/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "protected" in html
    assert "More than 50,000 Palestinians have died" in html
    admin_client.post(f"/admin/sources/passage/{passage.pk}/delete/", {"post": "yes"})
    assert Passage.objects.filter(pk=passage.pk).exists()


def test_deleting_a_source_with_passages_is_refused_in_the_admin(demo, admin_client):
    from dealtracker.sources.models import Source
    from devdata.demo import data

    source = Source.objects.get(url=data.SOURCE["url"])
    response = admin_client.get(f"/admin/sources/source/{source.pk}/delete/")
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    admin_client.post(f"/admin/sources/source/{source.pk}/delete/", {"post": "yes"})
    assert Source.objects.filter(pk=source.pk).exists()
