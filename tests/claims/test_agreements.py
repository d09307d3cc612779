"""A deal's agreement text: clauses anchored in it, proposals from its numbering, comparing texts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dealtracker.claims import agreements
from dealtracker.claims.models import AgreementText, ClauseAnchor, ClauseProposal
from dealtracker.deals.models import Clause, Deal, Phase
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import passage_mark
from dealtracker.sources.services import source_create, source_revise
from tests import documents as files

pytestmark = pytest.mark.django_db

AGREEMENT = (
    "Agreement between the parties\n\n"
    "Article 1 Ceasefire\n\n"
    "1.1 A complete ceasefire takes effect at 08:30 on 19 January 2025.\n\n"
    "1.2 Both sides halt air operations over Gaza for ten hours a day.\n\n"
    "(a) On hostage release days, for twelve hours.\n\n"
    "Article 2 Aid\n\n"
    "2.1 Six hundred trucks of aid enter each day, fifty of them carrying fuel."
)


@pytest.fixture
def deal(db):
    deal = Deal.objects.create(title="Test deal", slug="test-deal")
    Phase.objects.create(deal=deal, order=1, name="Phase one")
    return deal


@pytest.fixture
def agreement(deal, editor):
    source = source_create(text=AGREEMENT, title="The agreement", by=editor)
    agreements.agreement_text_add(deal=deal, source=source, role="signed_text", by=editor)
    source.refresh_from_db()
    return source


def mark(source: Source, words: str, by=None) -> Passage:
    start = source.text.index(words)
    return passage_mark(source=source, start=start, end=start + len(words), by=by).passage


def test_adding_an_agreement_text_makes_the_source_an_agreement(deal, agreement):
    assert agreement.kind == "agreement_text"
    assert agreements.agreement_deals(source=agreement) == [deal]


def test_a_clause_created_from_a_passage_has_its_words_verbatim(deal, agreement, editor):
    passage = mark(agreement, "A complete ceasefire takes effect at 08:30 on 19 January 2025.")
    clause = agreements.clause_from_passage(
        deal=deal,
        passage=passage,
        reference="1.1",
        title="Ceasefire",
        category="hostilities",
        phase=deal.phases.get(),
        by=editor,
    )
    assert clause.text == passage.quote
    assert clause.anchor.passage == passage
    assert clause.phase.order == 1
    assert agreements.is_anchored(clause)


def test_a_clause_cannot_be_anchored_outside_the_deals_agreement_text(deal, editor):
    other = source_create(text="A news report about the ceasefire.", title="News", by=editor)
    passage = mark(other, "A news report")
    with pytest.raises(ValidationError, match="not in an agreement text of this deal"):
        agreements.clause_from_passage(deal=deal, passage=passage, reference="9", title="x")


def test_a_clause_reference_must_be_new_and_url_safe(deal, agreement):
    passage = mark(agreement, "Both sides halt air operations")
    Clause.objects.create(deal=deal, reference="1.2", title="Taken")
    with pytest.raises(ValidationError, match="already has a clause 1.2"):
        agreements.clause_from_passage(deal=deal, passage=passage, reference="1.2", title="x")
    with pytest.raises(ValidationError, match="letters, digits, dots or dashes"):
        agreements.clause_from_passage(deal=deal, passage=passage, reference="1 2", title="x")


def test_anchoring_an_existing_clause_takes_the_agreements_words(deal, agreement, editor):
    clause = Clause.objects.create(deal=deal, reference="2.1", title="Aid", text="Aid trucks.")
    passage = mark(
        agreement, "Six hundred trucks of aid enter each day, fifty of them carrying fuel."
    )
    agreements.clause_anchor_set(clause=clause, passage=passage, by=editor)
    clause.refresh_from_db()
    assert clause.text == passage.quote
    assert clause.history.first().text == passage.quote
    assert clause.history.last().text == "Aid trucks."


def test_a_clauses_words_follow_a_revision_of_the_agreement(deal, agreement, editor):
    passage = mark(
        agreement, "Six hundred trucks of aid enter each day, fifty of them carrying fuel."
    )
    clause = agreements.clause_from_passage(
        deal=deal, passage=passage, reference="2.1", title="Aid"
    )
    revised = ("Preamble added by the mediators.\n\n" + AGREEMENT).replace("fifty", "sixty")
    source_revise(source=agreement, new_text=revised, by=editor)
    assert agreements.clause_texts_sync(source=agreement) == 1
    clause.refresh_from_db()
    passage.refresh_from_db()
    assert passage.quote == "Six hundred trucks of aid enter each day, sixty of them carrying fuel."
    assert clause.text == passage.quote
    assert passage.anchor_status == "changed"
    # Changed words are for an editor to look at: listed as not anchored.
    assert agreements.unanchored_clauses(deal=deal) == [clause]


def test_a_passage_a_clause_rests_on_cannot_be_deleted(deal, agreement):
    from dealtracker.sources.passages import PassageInUse, passage_delete

    passage = mark(agreement, "Both sides halt air operations over Gaza for ten hours a day.")
    agreements.clause_from_passage(deal=deal, passage=passage, reference="1.2", title="Air")
    with pytest.raises(PassageInUse, match="clause anchor “1.2 — "):
        passage_delete(passage=passage)
    assert ClauseAnchor.objects.filter(passage=passage).exists()


def test_unanchored_clauses_are_listed(deal, agreement):
    typed = Clause.objects.create(deal=deal, reference="3", title="Typed in the admin")
    assert agreements.unanchored_clauses(deal=deal) == [typed]


# --- numbered articles and paragraphs ---------------------------------------------------


def test_numbered_items_reads_articles_paragraphs_and_letters():
    items = agreements.numbered_items(AGREEMENT)
    assert [(i.reference, i.label) for i in items] == [
        ("1", "Article 1"),
        ("1.1", "1.1"),
        ("1.2", "1.2"),
        ("1.2.a", "(a)"),
        ("2", "Article 2"),
        ("2.1", "2.1"),
    ]
    one_one = items[1]
    assert AGREEMENT[one_one.start : one_one.end] == (
        "A complete ceasefire takes effect at 08:30 on 19 January 2025."
    )
    assert one_one.title == "A complete ceasefire takes effect at 08:30 on 19 January 2025"
    assert items[0].title == "Ceasefire"


def test_numbered_items_under_an_article_number_bare_paragraphs_within_it():
    text = (
        "ARTICLE III\n\nThe parties agree.\n\n1. Prisoners are released.\n\n2) Bodies are returned."
    )
    items = agreements.numbered_items(text)
    assert [i.reference for i in items] == ["3", "3.1", "3.2"]


def test_numbered_items_reads_arabic_articles():
    text = "المادة 1 وقف إطلاق النار\n\n1.1 يبدأ وقف إطلاق النار صباح يوم الأحد."
    items = agreements.numbered_items(text)
    assert [i.reference for i in items] == ["1", "1.1"]
    assert text[items[1].start : items[1].end] == "يبدأ وقف إطلاق النار صباح يوم الأحد."


def test_proposals_become_clauses_only_when_accepted(deal, agreement, editor):
    proposals = agreements.clause_proposals_create(deal=deal, source=agreement)
    assert [p.reference for p in proposals] == ["1", "1.1", "1.2", "1.2.a", "2", "2.1"]
    assert not deal.clauses.exists()
    clause = agreements.clause_proposal_accept(
        proposal=proposals[1], reference="1.1", title="Ceasefire from 19 January", by=editor
    )
    assert clause.text == "A complete ceasefire takes effect at 08:30 on 19 January 2025."
    assert clause.anchor.passage == proposals[1].passage
    agreements.clause_proposal_reject(proposal=proposals[0], by=editor)
    statuses = dict(ClauseProposal.objects.values_list("reference", "status"))
    assert statuses["1.1"] == "accepted" and statuses["1"] == "rejected"
    with pytest.raises(ValidationError, match="already accepted"):
        agreements.clause_proposal_accept(proposal=proposals[1], reference="x", title="x")
    # Proposing again adds nothing already proposed or already a clause.
    assert agreements.clause_proposals_create(deal=deal, source=agreement) == []


# --- import_agreement -------------------------------------------------------------------


def test_import_agreement_adds_the_source_and_proposes_clauses_from_a_docx(deal, tmp_path):
    path = tmp_path / "agreement.docx"
    path.write_bytes(
        files.docx_document(
            [
                ("Title", "Ceasefire agreement"),
                ("Normal", "Article 1 Ceasefire"),
                ("Normal", "1.1 A complete ceasefire takes effect on 19 January 2025."),
                ("page", ""),
                ("Normal", "Article 2 Hostages"),
                ("Normal", "2.1 Thirty-three hostages are released in the first phase."),
                ("Normal", "(a) Women and children first."),
            ],
            title="Ceasefire agreement",
        )
    )
    out = StringIO()
    call_command("import_agreement", str(path), "--deal", deal.slug, stdout=out)
    source = Source.objects.get(kind="agreement_text")
    assert source.title == "Ceasefire agreement"
    assert source.documents.get().filename == "agreement.docx"
    assert AgreementText.objects.get(deal=deal).source == source
    proposals = list(ClauseProposal.objects.filter(deal=deal).order_by("position"))
    assert [p.reference for p in proposals] == ["1", "1.1", "2", "2.1", "2.1.a"]
    assert proposals[3].passage.page == 2
    assert "5 clauses proposed" in out.getvalue()
    assert "/deals/test-deal/agreement/#proposals" in out.getvalue()
    # The same file again: the same source, nothing new proposed.
    out = StringIO()
    call_command("import_agreement", str(path), "--deal", deal.slug, stdout=out)
    assert Source.objects.count() == 1
    assert "0 clauses proposed" in out.getvalue()


def test_import_agreement_reads_a_pdf_with_its_pages(deal, tmp_path):
    path = tmp_path / "agreement.pdf"
    path.write_bytes(
        files.pdf_report(
            [
                [["Article 1. Ceasefire"], ["1.1 The ceasefire begins on 19 January 2025."]],
                [["1.2 Aid enters at six hundred trucks a day."]],
            ],
            header="Agreement — unofficial translation",
            title="Agreement (translation)",
        )
    )
    call_command(
        "import_agreement",
        str(path),
        "--deal",
        deal.slug,
        "--role",
        "translation",
        stdout=StringIO(),
    )
    link = AgreementText.objects.get(deal=deal)
    assert link.role == "translation"
    pages = {p.reference: p.passage.page for p in ClauseProposal.objects.filter(deal=deal)}
    assert pages == {"1": 1, "1.1": 1, "1.2": 2}


def test_import_agreement_refuses_a_scan_and_an_unknown_deal(deal, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(files.pdf_scanned())
    with pytest.raises(CommandError, match="no text layer"):
        call_command("import_agreement", str(path), "--deal", deal.slug, stdout=StringIO())
    with pytest.raises(CommandError, match="no deal with the slug"):
        call_command("import_agreement", str(path), "--deal", "nope", stdout=StringIO())


# --- comparing by text ------------------------------------------------------------------


def _deal_with_text(slug: str, text: str, anchors: dict[str, str], editor) -> Deal:
    deal = Deal.objects.create(title=slug, slug=slug)
    source = source_create(text=text, title=f"{slug} text", by=editor)
    agreements.agreement_text_add(deal=deal, source=source, role="signed_text")
    for reference, words in anchors.items():
        agreements.clause_from_passage(
            deal=deal, passage=mark(source, words), reference=reference, title=f"Term {reference}"
        )
    return deal


def test_comparison_uses_the_anchored_texts_and_lists_terms_in_one_text_only(editor):
    january = _deal_with_text(
        "january",
        "1. A ceasefire of 42 days begins on 19 January.\n\n"
        "2. Thirty-three hostages are released in the first phase.\n\n"
        "3. Israeli forces withdraw from the Philadelphi corridor by day 50.",
        {
            "1": "A ceasefire of 42 days begins on 19 January.",
            "2": "Thirty-three hostages are released in the first phase.",
        },
        editor,
    )
    proposal = _deal_with_text(
        "proposal",
        "1. A ceasefire of 50 days begins on 19 January.\n\n"
        "2. Thirty-three hostages are released in the first phase.\n\n"
        "4. An international committee monitors the return of displaced people.",
        {
            "1": "A ceasefire of 50 days begins on 19 January.",
            "2": "Thirty-three hostages are released in the first phase.",
        },
        editor,
    )
    result = agreements.agreement_comparison(left=january, right=proposal)
    assert result.uses_text
    assert [t.text for t in result.left_only] == [
        "3. Israeli forces withdraw from the Philadelphi corridor by day 50."
    ]
    assert [t.text for t in result.right_only] == [
        "4. An international committee monitors the return of displaced people."
    ]


def test_comparison_falls_back_to_the_clauses_without_two_texts(deal, editor):
    other = Deal.objects.create(title="Other", slug="other")
    result = agreements.agreement_comparison(left=deal, right=other)
    assert not result.uses_text and result.left_only == [] and result.right_only == []
