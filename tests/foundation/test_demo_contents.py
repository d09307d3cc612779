"""The demo as `manage.py loaddemo` loads it: its deal, report, passages and claims.

Every test here only reads the demo: it is loaded once for the module (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.models import CONTEXT_CHARS, Passage, Source
from devdata.demo import data
from devdata.demo.load import report_text

pytestmark = pytest.mark.usefixtures("shared_demo")


def test_the_demo_deal_has_its_phases_clauses_and_parties(demo):
    assert [p.order for p in demo.phases.all()] == [1, 2, 3]
    phase_one, phase_two, _ = demo.phases.all()
    assert str(phase_one.actual_start) == "2025-01-19"
    assert str(phase_two.planned_start) == "2025-03-02"
    assert phase_two.status == "stalled"
    assert demo.clauses.count() >= 8
    assert {"israel", "hamas", "egypt", "qatar", "united-states"} <= set(
        demo.parties.values_list("slug", flat=True)
    )
    assert set(demo.memberships.filter(role="mediator").values_list("party__slug", flat=True)) == {
        "egypt",
        "qatar",
        "united-states",
    }
    negotiations = demo.clauses.get(reference="1.4")
    assert (negotiations.deadline_date.isoformat(), negotiations.deadline_date_precision) == (
        "2025-02-01",
        "early",
    )
    relative = demo.clauses.exclude(deadline_delay=None)
    assert relative.exists()
    titles = " ".join(demo.clauses.values_list("title", flat=True)).lower()
    for term in (
        "permanent ceasefire",
        "withdrawal",
        "hostages",
        "prisoner",
        "netzarim",
        "negotiations",
    ):
        assert term in titles


def test_the_egypt_qatar_proposal_answers_the_january_deal_with_a_note(demo):
    proposal = Deal.objects.get(slug="egypt-qatar-proposal-2025")
    assert proposal.answers == demo
    assert "ambiguous" in proposal.editor_note
    assert proposal.clauses.filter(title__icontains="50-day").exists()


def test_the_report_is_the_source_with_its_attribution_and_first_revision(demo):
    source = Source.objects.get(url=data.SOURCE["url"])
    assert source.text == report_text() == canonicalize(source.text)
    assert source.text_hash == text_hash(source.text)
    assert "The Times of Israel" in source.attribution
    assert "Reuters" in source.attribution
    revision = source.revisions.get()
    assert (revision.number, revision.text) == (1, source.text)


def test_every_demo_passage_quotes_the_report_at_its_offsets(demo):
    passages = Passage.objects.select_related("source", "revision_anchored", "revision_made")
    # The report's passages, and each clause's words in the agreement outline.
    assert passages.count() == len(data.PASSAGES) + len(data.AGREEMENT["clauses"])
    for passage in passages:
        text = passage.revision_anchored.text
        assert passage.quote == passage.source.text[passage.start : passage.end]
        assert passage.quote == text[passage.start : passage.end]
        assert passage.prefix == text[max(0, passage.start - CONTEXT_CHARS) : passage.start]
        assert passage.suffix == text[passage.end : passage.end + CONTEXT_CHARS]
        assert passage.revision_made == passage.revision_anchored


def test_every_demo_claim_rests_on_evidence(demo):
    for claim in Claim.objects.all():
        assert claim.evidence.exists(), claim


def test_the_passage_misnaming_the_envoy_has_an_internal_note(demo):
    passage = Passage.objects.get(quote__contains="Gabe Witkoff")
    assert "Steve Witkoff" in passage.note


def test_the_demo_has_enough_claims_some_drafts_and_varied_verification(demo):
    claims = Claim.objects.all()
    assert claims.count() >= 12
    assert claims.filter(is_published=False).exists()
    assert claims.filter(is_published=True).count() > claims.count() / 2
    assert claims.filter(verification__in=["disputed", "refuted"]).exists()
    assert len(set(claims.values_list("verification", flat=True))) >= 3
    figure = claims.get(kind="figure")
    assert "50,000" in figure.statement
    assert figure.attribution == "local health authorities"
    assert figure.clause is None
    refused = claims.get(statement__startswith="Israel refused to honour phase two")
    assert (refused.kind, refused.compliance, refused.clause.reference) == (
        "compliance",
        "not_complied",
        "2.1",
    )
    assert list(refused.subjects.values_list("slug", flat=True)) == ["israel"]


def test_the_demo_has_compliance_claims_about_israel_and_hamas(demo):
    compliance = Claim.objects.filter(kind="compliance")
    assert compliance.filter(subjects__slug="israel").count() >= 3
    assert compliance.filter(subjects__slug="hamas").exists()


def test_the_demo_has_a_contested_matrix_cell(demo):
    """Some clause × obliged party has published claims saying both complied and not complied."""
    contested = []
    for clause in Clause.objects.filter(deal=demo).prefetch_related("obliged_parties"):
        for party in clause.obliged_parties.all():
            said = set(
                Claim.objects.filter(
                    clause=clause, subjects=party, kind="compliance", is_published=True
                )
                .exclude(verification="refuted")
                .values_list("compliance", flat=True)
            )
            if {"complied", "not_complied"} <= said:
                contested.append((clause.reference, party.slug))
    assert contested == [("1.2", "israel")]


def test_a_phase_one_clause_is_overdue_today(demo):
    import datetime as dt

    negotiations = demo.clauses.get(reference="1.4")
    assert negotiations.phase.order == 1
    assert negotiations.deadline_date < dt.date.today()


def test_demo_evidence_is_unique_per_claim_and_passage(demo):
    pairs = list(Evidence.objects.values_list("claim_id", "passage_id"))
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize("slug", list(data.PARTIES))
def test_demo_parties_read_well(demo, slug):
    party = Party.objects.get(slug=slug)
    assert str(party) == data.PARTIES[slug]["name"]


def test_the_public_compliance_matrix_of_the_demo_deal_shows_the_contested_cell(demo):
    from django.contrib.auth.models import AnonymousUser

    from dealtracker.claims.compliance import compliance_matrix

    matrix = compliance_matrix(deal=demo, user=AnonymousUser())
    contested = [
        (row.clause.reference, cell.party.slug)
        for row in matrix.rows
        for cell in row.cells
        if cell.contested
    ]
    assert contested == [("1.2", "israel")]


def test_the_demo_deal_has_its_agreement_outline_marked_as_a_summary(demo):
    from dealtracker.claims.models import AgreementText

    link = AgreementText.objects.select_related("source").get(deal=demo)
    assert link.role == "summary"
    assert link.source.kind == "agreement_text"
    assert "not the official text" in link.source.title
    assert link.source.text.startswith("SUMMARY — NOT THE OFFICIAL TEXT")


def test_every_demo_clause_is_anchored_in_the_agreement_outline(demo):
    from dealtracker.claims.agreements import is_anchored, unanchored_clauses

    clauses = list(demo.clauses.select_related("anchor__passage"))
    assert len(clauses) == len(data.AGREEMENT["clauses"]) == 10
    for clause in clauses:
        assert is_anchored(clause), clause
        assert (
            clause.text
            == clause.anchor.passage.quote
            == data.AGREEMENT["clauses"][clause.reference]
        )
    assert unanchored_clauses(deal=demo) == []
