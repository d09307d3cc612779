"""The agreement text in the desk: clause page verbatim words, the deal's agreement page,
creating and anchoring clauses from the reading view, reviewing proposed clauses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dealtracker.claims import agreements
from dealtracker.claims.models import ClauseAnchor, ClauseProposal
from dealtracker.deals.models import Clause, Deal
from dealtracker.sources.models import Source
from dealtracker.sources.passages import passage_mark
from dealtracker.sources.services import source_create
from devdata.demo import data

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def outline() -> Source:
    return Source.objects.get(url=data.AGREEMENT["source"]["url"])


def test_the_clause_page_shows_its_verbatim_words_with_one_click_to_the_agreement(
    reader_client, demo
):
    clause = demo.clauses.get(reference="1.3")
    passage = clause.anchor.passage
    html = reader_client.get(clause.get_absolute_url()).content.decode()
    assert "Verbatim from <cite>Gaza ceasefire and hostage-release agreement" in html
    assert "600 trucks a day" in html
    link = f'href="/sources/{passage.source_id}/#passage-{passage.pk}"'
    assert f'class="to-agreement" {link}' in html


def test_public_visitors_reach_the_agreement_words_of_a_clause(client, public_read, demo):
    passage = demo.clauses.get(reference="2.2").anchor.passage
    detail = client.get(reverse("desk:passage-detail", args=[passage.source_id, passage.pk]))
    assert detail.status_code == 200
    text = client.get(reverse("desk:source-detail", args=[passage.source_id])).content.decode()
    assert f'id="passage-{passage.pk}"' in text


def test_the_deal_agreement_page_lists_texts_clauses_and_where_their_words_are(reader_client, demo):
    response = reader_client.get(reverse("desk:deal-agreement", args=[demo.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "summary (not the official text)" in html
    for reference in data.AGREEMENT["clauses"]:
        assert f'id="clause-{reference}"' in html
    assert "Every clause is anchored in the agreement text." in html
    assert "Proposed clauses to review" not in html  # readers do not review


def test_a_clause_typed_in_the_admin_is_listed_as_not_anchored_for_editors(
    editor_client, client, public_read, demo
):
    Clause.objects.create(deal=demo, reference="9.9", title="Typed without the text", position=99)
    url = reverse("desk:deal-agreement", args=[demo.slug])
    html = editor_client.get(url).content.decode()
    assert "Clauses not anchored in the text" in html
    assert "Typed without the text" in html.split('id="unanchored-h"')[1]
    # Public visitors see the clause table, not the editors' worklist.
    assert "Clauses not anchored in the text" not in client.get(url).content.decode()


def test_the_agreement_page_query_count_is_bounded(
    reader_client, demo, django_assert_max_num_queries
):
    source = outline()
    for n in range(40):
        text_start = source.text.index("Both sides halt")
        passage = passage_mark(source=source, start=text_start, end=text_start + 10 + n % 5).passage
        clause = Clause.objects.create(
            deal=demo, reference=f"X{n}", title=f"Extra {n}", position=100 + n
        )
        ClauseAnchor.objects.create(clause=clause, passage=passage)
    with django_assert_max_num_queries(14):
        response = reader_client.get(reverse("desk:deal-agreement", args=[demo.slug]))
    assert response.content.decode().count('class="ref">X') == 40


# --- from the reading view --------------------------------------------------------------


@pytest.fixture
def agreement_world(editor):
    deal = Deal.objects.create(title="Truce", slug="truce")
    deal.phases.create(order=1, name="Phase one")
    text = "Article 1\n\nThe parties cease all hostilities at dawn on the first day.\n\nArticle 2\n\nCrossings open for aid."
    source = source_create(text=text, title="Truce text", by=editor)
    agreements.agreement_text_add(deal=deal, source=source, role="signed_text")
    start = text.index("The parties cease")
    passage = passage_mark(
        source=source, start=start, end=text.index(" day.") + 5, by=editor
    ).passage
    return deal, Source.objects.get(pk=source.pk), passage


def test_the_passage_panel_of_an_agreement_offers_to_create_a_clause(
    editor_client, agreement_world
):
    deal, source, passage = agreement_world
    url = reverse("desk:passage-detail", args=[source.pk, passage.pk])
    html = editor_client.get(url).content.decode()
    assert "Clauses in these words" in html
    assert "Create a clause of “Truce” from these words" in html
    assert reverse("desk:passage-clause", args=[source.pk, passage.pk]) in html


def test_readers_see_no_clause_forms(reader_client, agreement_world):
    _, source, passage = agreement_world
    html = reader_client.get(
        reverse("desk:passage-detail", args=[source.pk, passage.pk])
    ).content.decode()
    assert "Clauses in these words" in html
    assert "Create a clause" not in html


def test_editor_creates_a_clause_from_the_selected_words(editor_client, editor, agreement_world):
    deal, source, passage = agreement_world
    response = editor_client.post(
        reverse("desk:passage-clause", args=[source.pk, passage.pk]),
        {
            "action": "new",
            "clause_deal": deal.slug,
            "reference": "1",
            "title": "Ceasefire at dawn",
            "category": "hostilities",
            "phase": "1",
        },
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Clause 1 created from these words." in html
    clause = deal.clauses.get(reference="1")
    assert clause.text == "The parties cease all hostilities at dawn on the first day."
    assert clause.category == "hostilities" and clause.phase.order == 1
    assert clause.anchor.passage == passage
    assert clause.anchor.created_by == editor


def test_editor_anchors_an_existing_clause_without_htmx(editor_client, agreement_world):
    deal, source, passage = agreement_world
    Clause.objects.create(deal=deal, reference="1", title="Ceasefire", text="Typed text")
    response = editor_client.post(
        reverse("desk:passage-clause", args=[source.pk, passage.pk]),
        {"action": "link", "clause_deal": deal.slug, "clause": "1"},
    )
    assert response.status_code == 302
    assert deal.clauses.get(reference="1").text.startswith("The parties cease")


def test_a_bad_reference_is_refused_in_the_panel(editor_client, agreement_world):
    deal, source, passage = agreement_world
    response = editor_client.post(
        reverse("desk:passage-clause", args=[source.pk, passage.pk]),
        {"action": "new", "clause_deal": deal.slug, "reference": "1 a", "title": "x"},
        **HX,
    )
    assert response.status_code == 422
    assert "letters, digits, dots or dashes" in response.content.decode()
    assert not deal.clauses.exists()


def test_readers_cannot_create_clauses(reader_client, agreement_world):
    deal, source, passage = agreement_world
    response = reader_client.post(
        reverse("desk:passage-clause", args=[source.pk, passage.pk]),
        {"action": "new", "clause_deal": deal.slug, "reference": "1", "title": "x"},
    )
    assert response.status_code == 403
    assert not deal.clauses.exists()


# --- proposals ----------------------------------------------------------------------------


def test_editor_reviews_proposed_clauses(editor_client, agreement_world):
    deal, source, _ = agreement_world
    proposals = agreements.clause_proposals_create(deal=deal, source=source)
    url = reverse("desk:deal-agreement", args=[deal.slug])
    html = editor_client.get(url).content.decode()
    assert f'id="proposal-{proposals[0].pk}"' in html
    post = reverse("desk:deal-agreement-proposal", args=[deal.slug])
    accepted = editor_client.post(
        post,
        {
            "proposal": proposals[0].pk,
            "action": "accept",
            "reference": "A1",
            "title": "Cessation of hostilities",
            "category": "hostilities",
            "phase": "1",
        },
    )
    assert accepted.status_code == 302
    clause = deal.clauses.get(reference="A1")
    assert clause.title == "Cessation of hostilities"
    assert clause.anchor.passage == proposals[0].passage
    rejected = editor_client.post(post, {"proposal": proposals[1].pk, "action": "reject"})
    assert rejected.status_code == 302
    assert ClauseProposal.objects.get(pk=proposals[1].pk).status == "rejected"
    assert deal.clauses.count() == 1


def test_editor_adds_an_agreement_text_by_source_number(editor_client, editor):
    deal = Deal.objects.create(title="Truce", slug="truce")
    source = source_create(text="The text of the truce.", title="Truce text", by=editor)
    response = editor_client.post(
        reverse("desk:deal-agreement-text-add", args=[deal.slug]),
        {"source": str(source.pk), "role": "translation"},
    )
    assert response.status_code == 302
    link = deal.agreement_texts.get()
    assert link.source == source and link.role == "translation"
    source.refresh_from_db()
    assert source.kind == "agreement_text"


# --- compare -------------------------------------------------------------------------------


def test_the_compare_page_compares_the_agreement_texts(reader_client, editor):
    def deal_with(slug, text, words):
        deal = Deal.objects.create(title=slug.title(), slug=slug)
        source = source_create(text=text, title=f"{slug} text", by=editor)
        agreements.agreement_text_add(deal=deal, source=source, role="signed_text")
        start = text.index(words)
        passage = passage_mark(source=source, start=start, end=start + len(words)).passage
        agreements.clause_from_passage(deal=deal, passage=passage, reference="1", title="Ceasefire")
        return deal

    a = deal_with(
        "first",
        "A ceasefire of 42 days begins.\n\nThe Rafah crossing opens for the wounded and sick to travel.",
        "A ceasefire of 42 days begins.",
    )
    b = deal_with("second", "A ceasefire of 50 days begins.", "A ceasefire of 50 days begins.")
    html = reader_client.get(reverse("desk:deal-compare", args=[a.slug, b.slug])).content.decode()
    assert "Compared by the agreement texts" in html
    assert "<del>42 </del><ins>50 </ins>" in html
    assert "Only in the first" in html
    assert "The Rafah crossing opens for the wounded and sick to travel." in html
