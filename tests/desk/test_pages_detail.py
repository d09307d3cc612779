"""Phase, clause, claim, party and compare pages."""

from __future__ import annotations

import pytest

from dealtracker.claims.models import VerificationChange
from dealtracker.deals.models import Clause, Deal

# Every test here reads `world` as built: it is built once for the module (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world")


@pytest.mark.django_db
def test_phase_page_shows_dates_status_terms_and_claims(world, reader_client):
    body = reader_client.get("/deals/test-deal/phases/2/").content.decode()
    assert "Phase 2: Permanent ceasefire" in body
    assert "stalled" in body
    assert "Planned: 2 March 2025 – 12 April 2025" in body
    assert "Actual: not started" in body
    assert "Full withdrawal" in body
    assert "Israel refused to honour phase two" in body


@pytest.mark.django_db
def test_clause_page_shows_text_obliged_parties_due_date_and_claims_with_evidence(
    world, reader_client
):
    body = reader_client.get("/deals/test-deal/clauses/2.1/").content.decode()
    assert "Israel withdraws its forces from Gaza." in body
    assert 'href="/parties/israel/"><bdi>Israel</bdi></a>' in body
    assert "12 April 2025" in body and "planned end of phase 2" in body
    assert (
        "<mark>the official accused Israel of refusing to honor that part of the deal</mark>"
        in body
    )
    assert "a senior Palestinian official (Palestinian negotiators)" in body
    assert "10 March 2025" in body
    assert "unverified" in body
    assert "contested" in body


@pytest.mark.django_db
def test_clause_reference_with_letters_and_dashes_works(world, reader_client):
    clause = Clause.objects.create(deal=world.deal, reference="G-1.a", title="General")
    response = reader_client.get(clause.get_absolute_url())
    assert response.status_code == 200
    assert "/deals/test-deal/clauses/G-1.a/" == clause.get_absolute_url()


@pytest.mark.django_db
def test_claim_page_shows_everything_a_reader_needs_to_judge_it(world, reader_client):
    body = reader_client.get(f"/claims/{world.accused.pk}/").content.decode()
    assert "Israel refused to honour phase two" in body
    assert "a senior Palestinian official" in body
    assert 'href="/parties/israel/"><bdi>Israel</bdi></a>' in body
    assert "Clause 2.1: <bdi>Full withdrawal</bdi>" in body
    assert "not complied" in body and "unverified" in body and "10 March 2025" in body


@pytest.mark.django_db
def test_claim_evidence_is_shown_in_context_and_links_to_the_source_passage(
    world, client, public_read
):
    body = client.get(f"/claims/{world.accused.pk}/").content.decode()
    passage = world.p_refuse
    assert f'href="/sources/{world.source.pk}/#passage-{passage.pk}"' in body
    # Text before and after the quote, from the source itself.
    assert "However, </span><mark>the official accused Israel" in body
    assert 'part of the deal</mark><span class="context">.' in body
    assert "Israeli officials said all withdrawals" in body


@pytest.mark.django_db
def test_refuted_claim_page_is_struck_through_and_says_refuted(world, reader_client):
    body = reader_client.get(f"/claims/{world.refuted.pk}/").content.decode()
    assert '<h1 dir="auto"><s>Both sides completed the hostage exchange early</s></h1>' in body
    assert "refuted" in body


@pytest.mark.django_db
def test_verification_history_notes_are_for_readers_only(world, reader_client, client, settings):
    VerificationChange.objects.create(
        claim=world.refuted, from_status="unverified", to_status="refuted", note="SECRET why"
    )
    assert "SECRET why" in reader_client.get(f"/claims/{world.refuted.pk}/").content.decode()
    settings.PUBLIC_READ = True
    assert "SECRET why" not in client.get(f"/claims/{world.refuted.pk}/").content.decode()


@pytest.mark.django_db
def test_party_page_shows_deals_roles_obligations_and_claims_made_and_about(world, reader_client):
    body = reader_client.get("/parties/israel/").content.decode()
    assert "Test ceasefire and hostage deal" in body and "signatory" in body
    assert "Release of hostages" in body and "Full withdrawal" in body
    assert 'href="/deals/test-deal/matrix/2.1/israel/"' in body
    about = body[body.index('id="about-h"') : body.index('id="made-h"')]
    made = body[body.index('id="made-h"') :]
    assert "Israel refused to honour phase two" in about
    assert "Israel has carried out every withdrawal due" in made
    assert "1 complied" in about and "1 not complied" in about


@pytest.mark.django_db
def test_compare_pairs_clauses_and_shows_the_text_difference(world, reader_client):
    other = Deal.objects.create(title="Counter", slug="counter", answers=world.deal)
    Clause.objects.create(
        deal=other,
        reference="1.1",
        title="Release of hostages",
        text="Hamas releases 33 hostages; Israel releases prisoners.",
    )
    Clause.objects.create(
        deal=other,
        reference="9",
        title="Full withdrawal",
        text="Israel withdraws all its forces from Gaza within 50 days.",
    )
    Clause.objects.create(deal=other, reference="7", title="Reconstruction", text="Rebuild.")
    body = reader_client.get("/deals/test-deal/compare/counter/").content.decode()
    assert "1 same · 1 changed · 1 only in the first · 1 only in the second" in body
    assert "<ins>all </ins>" in body
    assert "<del>Gaza.</del><ins>Gaza within 50 days.</ins>" in body
    assert "Not in the second." in body and "Not in the first." in body


@pytest.mark.django_db
def test_evidence_context_from_the_stored_selectors_is_cut_between_words(world, reader_client):
    """An orphaned passage shows its stored prefix and suffix (32 characters each, cut
    anywhere): the partial words at their outer ends are left out, with an ellipsis."""
    from dealtracker.sources.models import Passage

    passage = world.p_refuse
    Passage.objects.filter(pk=passage.pk).update(
        anchor_status=Passage.AnchorStatus.ORPHANED,
        prefix="ithdrawal from Gaza. However, ",
        suffix=". Israeli officials said all wi" + "t",
    )
    body = reader_client.get(f"/claims/{world.accused.pk}/").content.decode()
    assert '<span class="context">…from Gaza. However, </span><mark>' in body
    assert '</mark><span class="context">. Israeli officials said all…</span>' in body
    assert "ithdrawal" not in body.split("<mark>the official accused")[0][-200:]
