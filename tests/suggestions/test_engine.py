"""Suggestions for reports of our own: names, misspellings, verbs, negation, figures, Arabic.

The engine against a real PostgreSQL (full-text search, pg_trgm), on a
fictional truce (conftest.py), not the demo the weights were checked on.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealtracker.deals.models import Deal, DealParty, Party
from dealtracker.sources.canonical import canonicalize
from dealtracker.suggestions.engine import suggest

pytestmark = pytest.mark.django_db

REPORT = canonicalize(
    "The Arvenian army did not begin its withdrawal from the Varn valley on Monday, "
    "a Meridian mediator said. "
    "According to aid workers, Arvnia has opened the Kessel crossing to aid convoys since Friday.\n"
    "Some 40 trucks crossed at Kessel on Saturday.\n"
    "NLF fighters violated the truce near Dorr, the defence ministry said. "
    "The weather was cold in the valley.\n"
    "Meridia's foreign minister visited the capital on Tuesday."
)


def by_sentence(candidates, words):
    found = [c for c in candidates if words in c.sentence]
    assert found, f"no suggestion for {words!r}: {[c.sentence for c in candidates]}"
    return found[0]


def test_a_negated_action_names_its_party_clause_and_non_compliance(truce):
    candidates = suggest(text=REPORT, language="en")
    top = by_sentence(candidates, "did not begin its withdrawal")
    assert top.clause_id == truce.clauses.withdrawal.pk
    assert top.deal_id == truce.deal.pk and top.phase_id == truce.phases.two.pk
    assert top.party_ids[0] == truce.arvenia.pk  # "Arvenian", a word made from the name
    assert (top.kind, top.compliance) == ("compliance", "not_complied")
    assert any("did not begin" in reason for reason in top.reasons)
    # The attribution is split off for the form: statement first, speaker apart.
    assert top.attribution == "a Meridian mediator"
    assert top.statement.startswith("The Arvenian army did not begin")
    # It says what was not done, with its party and clause: it ranks first.
    assert candidates[0] is top


def test_a_misspelt_short_name_still_names_the_party_and_says_so(truce):
    candidate = by_sentence(suggest(text=REPORT, language="en"), "Arvnia has opened")
    assert candidate.party_ids == [truce.arvenia.pk]
    assert candidate.parties[0].misspelt and candidate.parties[0].written == "Arvnia"
    assert "names Republic of Arvenia (as “Arvnia”)" in candidate.reasons
    assert candidate.clause_id == truce.clauses.crossing.pk
    assert (candidate.kind, candidate.compliance) == ("compliance", "complied")


def test_an_acronym_alias_names_the_party_and_a_violation_needs_no_clause(truce):
    candidate = by_sentence(suggest(text=REPORT, language="en"), "NLF fighters violated")
    assert candidate.party_ids == [truce.front.pk]
    assert (candidate.kind, candidate.compliance) == ("compliance", "not_complied")
    # No term of the truce is named: the deal comes from the party, the clause is left open.
    assert candidate.clause_id is None and candidate.deal_id == truce.deal.pk


def test_a_figure_is_suggested_as_one(truce):
    candidate = by_sentence(suggest(text=REPORT, language="en"), "40 trucks")
    assert candidate.kind == "figure" and "figure" in " ".join(candidate.reasons)


def test_narration_and_a_mere_mention_are_not_suggested(truce):
    sentences = [c.sentence for c in suggest(text=REPORT, language="en")]
    assert not any("weather" in s for s in sentences)
    assert not any("foreign minister visited" in s for s in sentences)


def test_a_misspelt_full_name_is_found_by_trigrams(truce):
    text = "The Liberation Fronte handed over its heavy weapons on Sunday."
    candidate = by_sentence(suggest(text=text, language="en"), "heavy weapons")
    assert candidate.party_ids == [truce.front.pk]
    assert candidate.clause_id == truce.clauses.weapons.pk
    assert (candidate.kind, candidate.compliance) == ("compliance", "complied")


def test_partial_compliance_and_the_phase_named(truce):
    text = "In phase one, the Front freed only some of the 20 detainees it holds."
    candidate = by_sentence(suggest(text=text, language="en"), "detainees")
    assert candidate.clause_id == truce.clauses.exchange.pk
    assert (candidate.kind, candidate.compliance) == ("compliance", "partly")
    assert candidate.phase_id == truce.phases.one.pk


def test_the_deal_the_sources_claims_belong_to_decides_between_the_partys_deals(truce):
    # Arvenia is party to both deals and no term is named: the source's claims decide.
    text = "Arvenia violated the agreement again on Sunday."
    for prior in (truce.deal, truce.other):
        candidate = by_sentence(suggest(text=text, language="en", prior_deal_ids=[prior.pk]), "")
        assert candidate.clause_id is None and candidate.deal_id == prior.pk


def test_arabic_report_against_an_arabic_deal(arabic_truce):
    text = canonicalize(
        "قال المسؤول إن إسرائيل لم تنسحب من ممر نتساريم.\nوأفرجت حماس عن ثلاث رهائن يوم السبت."
    )
    candidates = suggest(text=text, language="ar")
    withdrawal = by_sentence(candidates, "نتساريم")
    assert withdrawal.party_ids == [arabic_truce.israel.pk]
    assert withdrawal.clause_id == arabic_truce.netzarim.pk
    assert (withdrawal.kind, withdrawal.compliance) == ("compliance", "not_complied")
    assert withdrawal.attribution == "المسؤول"
    released = by_sentence(candidates, "رهائن")
    assert released.party_ids == [arabic_truce.hamas.pk]
    assert released.clause_id == arabic_truce.hostages.pk
    assert (released.kind, released.compliance) == ("compliance", "complied")


def test_queries_do_not_grow_with_the_text_or_the_parties(truce):
    for i in range(40):
        party = Party.objects.create(name=f"Militia number {i}", slug=f"militia-{i}")
        deal = Deal.objects.create(title=f"Local truce {i}", slug=f"local-{i}")
        DealParty.objects.create(deal=deal, party=party)
    short = REPORT
    long = "\n".join([REPORT] * 40)
    counts = []
    for text in (short, long):
        with CaptureQueriesContext(connection) as queries:
            result = suggest(text=text, language="en")
        counts.append(len(queries))
        assert result
    assert counts[0] == counts[1] <= 12
