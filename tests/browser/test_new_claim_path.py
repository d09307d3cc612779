"""The new-claim path in Chromium, with the editor's actions counted.

An action is what an editor does with the mouse or keyboard: a selection
drag, a click, filling one field, choosing one option. Navigating to the
source from the deal page is where the path starts, not an action of it.
Targets (issue 12): any passage to a linked new claim in at most 10 actions;
a suggested passage in at most 6.
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Party
from dealtracker.desk.forms.annotate import prefill_fields
from dealtracker.sources.models import Passage, Source
from tests.browser.fixtures import login, screenshot
from tests.browser.test_annotate import select_with_mouse
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sentences of the demo report that no demo passage marks yet.
SENTENCE = (
    "The destruction across the enclave is vast, and Israel now faces genocide accusations at "
    "the International Court of Justice."
)
SUGGESTED = (
    "The official also pointed to what he described as inconsistent US involvement in negotiations."
)


class Actions:
    """Counts the editor's actions; each one is named, so a failure says where the path is."""

    def __init__(self) -> None:
        self.done: list[str] = []

    def __call__(self, name: str) -> None:
        self.done.append(name)

    def __len__(self) -> int:
        return len(self.done)


def _demo_source() -> Source:
    from devdata.demo import data

    return Source.objects.get(url=data.SOURCE["url"])


def _console_errors(page) -> list[str]:
    """Errors in the console (htmx logs a selector that finds nothing there), but the favicon's 404."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 404" not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_any_passage_to_a_linked_new_claim_in_at_most_ten_actions(page, live_server, editor, demo):
    source = _demo_source()
    deal_url = f"{live_server.url}/deals/{demo.slug}/"
    errors = _console_errors(page)
    login(page, live_server, "editor", PASSWORD)
    # The editor comes to the report from the deal's page.
    page.goto(f"{live_server.url}/sources/{source.pk}/", referer=deal_url)
    act = Actions()
    panel = page.locator("#passage-panel")

    start = source.text.index(SENTENCE)
    act("select the sentence")
    select_with_mouse(page, source.text, start, start + len(SENTENCE))
    act("mark it")
    page.get_by_role("button", name="Mark selected text").click()
    panel.get_by_text("Passage marked.").wait_for()
    # Focus went to the panel's answer, which is said to screen readers.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.startsWith('Passage marked.')"
    )
    page.wait_for_function(
        "() => document.getElementById('desk-status').textContent.startsWith('Passage marked.')"
    )

    form = panel.locator("form.claim-form")
    # The deal is the one of the page the editor came from, and says so.
    deal_select = form.get_by_label("Deal", exact=True)
    assert deal_select.input_value() == str(demo.pk)
    assert "where you came from" in form.inner_text()
    # Its terms only, number first.
    clause_options = form.get_by_label("Term (clause)").locator("option").all_inner_texts()
    assert clause_options[0] == "No particular term"
    assert "2.1 Permanent ceasefire" in clause_options
    assert all(re.match(r"^[0-9A-Z]+\.[0-9]+ ", o) for o in clause_options[1:]), clause_options
    assert len(clause_options) == 1 + demo.clauses.count()
    # No Django "---------" anywhere in the form.
    assert "---------" not in form.inner_html()
    # The statement is written in the reading font, not a monospace box.
    font = form.get_by_label("Statement", exact=True).evaluate(
        "e => getComputedStyle(e).fontFamily"
    )
    assert "mono" not in font.lower()
    # The language list has the source's language chosen.
    assert form.get_by_label("Language").input_value() == source.language

    act("write the statement")
    form.get_by_label("Statement", exact=True).fill("Israel faces genocide accusations at the ICJ")
    act("write the attribution")
    form.get_by_label("Attribution (who says it, in words)").fill("The Times of Israel")
    act("choose the asserted compliance")
    form.get_by_label("Asserted compliance").select_option(label="not complied")
    clause = Clause.objects.get(deal=demo, reference="2.1")
    act("choose the clause")
    form.get_by_label("Term (clause)").select_option(str(clause.pk))
    act("type a party, misspelled")
    form.get_by_label("Add a party").fill("Isreal")
    israel = Party.objects.get(slug="israel")
    suggestion = form.locator("button.party-option", has_text="Israel").first
    suggestion.wait_for()
    act("pick it")
    suggestion.click()
    chip = form.locator(f"#id_claim-subjects-chip-{israel.pk}")
    chip.wait_for()
    assert chip.is_checked()
    # The search box is ready for the next party.
    # (desk.js moves it once htmx has settled the swap, a moment after the chip appears.)
    page.wait_for_function(
        # An arrow function: a bare expression would need eval, which the CSP forbids.
        "() => document.activeElement && document.activeElement.name === 'claim-subjects-q'"
    )
    act("save and publish")
    form.get_by_role("button", name="Save and publish").click()
    notice = panel.get_by_text(re.compile(r"Claim \d+ published and linked to the passage\."))
    notice.wait_for()

    assert len(act) <= 10, act.done
    claim = Claim.objects.get(statement="Israel faces genocide accusations at the ICJ")
    assert claim.is_published and claim.published_at
    assert (claim.deal, claim.clause, claim.kind, claim.compliance) == (
        demo,
        clause,
        "compliance",
        "not_complied",
    )
    assert list(claim.subjects.all()) == [israel]
    assert claim.attribution == "The Times of Israel"
    passage = Passage.objects.get(source=source, start=start, end=start + len(SENTENCE))
    assert list(claim.evidence.values_list("passage_id", flat=True)) == [passage.pk]
    assert errors == []
    screenshot(page, "new-claim-path")
    print(f"\nany passage to a linked new claim: {len(act)} actions: {act.done}")


def test_a_suggested_passage_to_a_linked_new_claim_in_at_most_six_actions(
    page, live_server, editor, demo
):
    source = _demo_source()
    sentence = SUGGESTED
    start = source.text.index(sentence)
    clause = Clause.objects.get(deal=demo, reference="1.4")
    united_states = Party.objects.get(slug="united-states")
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    # What a suggestions panel shows: the guessed claim behind one button. The
    # markup is the desk's own partial, put on the page as that panel would.
    accept = render_to_string(
        "desk/includes/new_claim_accept.html",
        {
            "source": source,
            "start": start,
            "end": start + len(sentence),
            "prefill": prefill_fields(
                {
                    "deal": demo.slug,
                    "clause_ref": "1.4",
                    "subjects": [united_states.slug],
                    "compliance": "not_complied",
                    "statement": sentence,
                    "attribution": "The Times of Israel",
                }
            ),
            "label": "Accept suggestion",
        },
    )
    page.evaluate(
        """(html) => {
          const box = document.createElement('div');
          box.innerHTML = html;
          document.querySelector('.mark-form').after(box);
          htmx.process(box);
        }""",
        accept,
    )
    act = Actions()
    panel = page.locator("#passage-panel")
    act("accept the suggestion")
    page.get_by_role("button", name="Accept suggestion").click()
    panel.get_by_text("Passage marked.").wait_for()
    form = panel.locator("form.claim-form")
    assert form.is_visible()
    assert "Pre-filled from a suggestion" in form.inner_text()
    assert form.get_by_label("Term (clause)").input_value() == str(clause.pk)
    assert form.get_by_label("Asserted compliance").input_value() == "not_complied"
    act("put the statement in the desk's words")
    form.get_by_label("Statement", exact=True).fill("US involvement in the talks was inconsistent")
    act("save as draft")
    form.get_by_role("button", name="Save as draft").click()
    panel.get_by_text(re.compile(r"saved as a draft and linked")).wait_for()

    assert len(act) <= 6, act.done
    claim = Claim.objects.get(statement="US involvement in the talks was inconsistent")
    assert not claim.is_published
    assert (claim.clause, claim.kind, claim.compliance) == (clause, "compliance", "not_complied")
    assert list(claim.subjects.all()) == [united_states]
    print(f"\na suggested passage to a linked new claim: {len(act)} actions: {act.done}")


def test_a_failed_save_says_so_at_the_top_takes_focus_and_keeps_the_panel_in_view(
    phone_page, live_server, editor, demo
):
    page = phone_page
    source = _demo_source()
    passage = Passage.objects.filter(source=source).order_by("start").first()
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    # On a phone the panel is below the text: tapping a highlight brings it into view.
    page.locator(f"#passage-{passage.pk} a.hl-link").tap()
    heading = page.locator("#passage-heading")
    heading.wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'passage-heading'"
    )
    box = heading.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box

    panel = page.locator("#passage-panel")
    panel.get_by_text("A new claim").click()
    form = panel.locator("form.claim-form")
    form.get_by_label("Statement", exact=True).fill("")
    form.get_by_label("Kind of claim").select_option("figure")
    form.get_by_label("Asserted compliance").select_option("complied")
    form.get_by_role("button", name="Save as draft").click()
    summary = panel.locator(".error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    assert "The claim was not saved" in summary.inner_text()
    assert "Only a compliance claim asserts a compliance" in summary.inner_text()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'new-claim-errors'"
    )
    box = summary.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box
    # Each error leads to its field.
    summary.get_by_role("link", name=re.compile("^Statement")).click()
    assert page.evaluate("document.activeElement.name") == "claim-statement"
    screenshot(page, "new-claim-errors-phone")


def test_an_action_in_flight_shows_progress_and_disables_its_button(
    page, live_server, editor, demo
):
    source = _demo_source()
    passage = (
        Passage.objects.filter(source=source, evidence__isnull=False).order_by("start").first()
    )
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/passages/{passage.pk}/")
    held = []
    page.route("**/edit/", lambda route: held.append(route))
    panel = page.locator("#passage-panel")
    panel.get_by_text("Note on the passage, or delete it").click()
    button = panel.get_by_role("button", name="Save note")
    button.click()
    page.wait_for_function(
        "() => document.querySelector('#passage-panel form.htmx-request') !== null"
    )
    assert button.is_disabled()
    # The in-flight look comes from the stylesheet (no inline style: CSP).
    spinner = button.evaluate("b => getComputedStyle(b, '::after').animationName")
    assert spinner == "desk-spin"
    assert page.locator("[style]").count() == 0
    held[0].continue_()
    panel.get_by_text("Note saved.").wait_for()
    page.wait_for_function(
        "() => document.getElementById('desk-status').textContent.trim() === 'Note saved.'"
    )
