"""Marking a clause in an agreement in the real browser: a PDF's text with its page markers,
a term selected with the mouse, a clause created from it, and the clause page's way back."""

from __future__ import annotations

import pytest

from dealtracker.claims import agreements
from dealtracker.deals.models import Deal
from dealtracker.sources.extract import extract
from dealtracker.sources.models import Source
from dealtracker.sources.services import document_limits, document_store, source_create
from tests import documents as files
from tests.browser.fixtures import login, screenshot
from tests.browser.test_annotate import _csp_errors, select_with_mouse
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERM = "Israeli forces withdraw from the populated areas of the Strip to its borders."


@pytest.fixture
def agreement(editor):
    data = files.pdf_report(
        [
            [
                [
                    "Article 1. The parties agree to a ceasefire from 19 January 2025, with nego-",
                    "tiations on the second phase.",
                ]
            ],
            [["Article 2. " + TERM]],
        ],
        header="Agreement — unofficial translation",
        title="Ceasefire agreement (translation)",
    )
    read = extract(data, "pdf", limits=document_limits())
    stored = document_store(data=data, filename="agreement.pdf", fmt="pdf", page_count=2)
    source = source_create(
        text=read.text,
        title=read.title,
        kind=Source.Kind.AGREEMENT_TEXT,
        by=editor,
        document=stored,
        page_starts=list(read.page_starts),
    )
    deal = Deal.objects.create(title="January ceasefire", slug="january-ceasefire")
    deal.phases.create(order=1, name="Phase one")
    agreements.agreement_text_add(deal=deal, source=source, role="translation")
    return deal, source


def test_editor_marks_a_clause_in_the_agreement_and_the_clause_page_leads_back(
    page, live_server, editor, agreement
):
    deal, source = agreement
    errors = _csp_errors(page)
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    # The page markers are in the text, and the text the browser holds is the stored text.
    assert page.locator("#source-text .page-start").count() == 2
    assert page.evaluate("document.getElementById('source-text').textContent") == source.text
    start = source.text.index(TERM)
    select_with_mouse(page, source.text, start, start + len(TERM))
    assert page.evaluate("window.getSelection().toString()") == TERM
    page.get_by_role("button", name="Mark selected text").click()
    panel = page.locator("#passage-panel")
    panel.get_by_text("Passage marked.").wait_for()
    assert panel.get_by_role("link", name="p. 2").count() == 1

    panel.get_by_label("Reference").first.fill("1.5")
    panel.get_by_label("Title").first.fill("Withdrawal from populated areas")
    panel.get_by_label("Category").first.select_option("withdrawal")
    panel.get_by_label("Phase").first.select_option("1")
    panel.get_by_role("button", name="Create clause").click()
    panel.get_by_text("Clause 1.5 created from these words.").wait_for()
    clause = deal.clauses.get(reference="1.5")
    assert clause.text == TERM
    assert clause.anchor.passage.page == 2
    screenshot(page, "agreement-clause-marked")

    page.goto(f"{live_server.url}/deals/{deal.slug}/clauses/1.5/")
    figure = page.locator("figure.clause-verbatim")
    assert TERM in figure.inner_text()
    assert "p. 2" in figure.inner_text()
    assert figure.get_by_role("link", name="open the original PDF at p. 2").count() == 1
    figure.get_by_role("link", name="Show in the agreement text").click()
    page.wait_for_url(f"**/sources/{source.pk}/#passage-{clause.anchor.passage.pk}")
    highlight = page.locator(f"#source-text mark#passage-{clause.anchor.passage.pk}")
    assert highlight.inner_text() == TERM
    assert highlight.is_visible()
    screenshot(page, "agreement-clause-back-in-text")
    assert errors == []
