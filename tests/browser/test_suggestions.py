"""A suggested passage to a linked new claim in the real browser, counting the editor's actions.

The issue's target: at most 6 actions from the source page to a new claim
resting on a suggested passage. Here: open the source (1), Accept the best
suggestion (2), put the statement in one's own words (3), save it as a draft
(4) — every guess (deal, phase, clause, party, kind, compliance,
attribution) was already filled in, through the desk's `claim-<field>`
pre-fill.
"""

from __future__ import annotations

import re

import pytest

from dealtracker.claims.models import Claim
from dealtracker.desk.suggesting import suggest_after_save
from dealtracker.sources.models import Passage
from dealtracker.sources.services import source_create
from dealtracker.suggestions.models import Suggestion
from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD
from tests.suggestions.test_engine import REPORT
from tests.suggestions.world import truce  # noqa: F401 — fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SENTENCE = (
    "The Arvenian army did not begin its withdrawal from the Varn valley on Monday, "
    "a Meridian mediator said."
)


def test_editor_accepts_a_suggestion_into_a_linked_new_claim_in_four_actions(
    page,
    live_server,
    editor,
    truce,  # noqa: F811
):
    source = source_create(text=REPORT, title="Varn valley report", by=editor)
    suggest_after_save(source)  # as saving it in the desk does
    login(page, live_server, "editor", PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    actions: list[str] = []

    def act(what: str) -> None:
        actions.append(what)

    act("open the source")
    # From the deal's page, as an editor working on the deal would.
    page.goto(
        f"{live_server.url}/sources/{source.pk}/",
        referer=f"{live_server.url}/deals/{truce.deal.slug}/",
    )
    # The panel lists the best suggestion first, open.
    panel = page.locator("#suggestions")
    first = panel.locator("li.suggestion").first
    first.wait_for()
    assert SENTENCE in first.inner_text()
    assert "2.1 Withdrawal from the Varn valley" in first.inner_text()
    assert "Republic of Arvenia" in first.inner_text()
    screenshot(page, "suggestions-panel")

    act("accept the suggestion")
    first.get_by_role("button", name="Accept").click()
    side = page.locator("#passage-panel")
    side.get_by_text("Passage marked.").wait_for()
    form = side.locator("form.claim-form")
    assert form.is_visible()
    assert "Pre-filled from a suggestion" in form.inner_text()
    # Focus went to what changed, and it is said.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.startsWith('Passage marked.')"
    )
    passage = Passage.objects.get(source=source)
    assert passage.quote == SENTENCE
    assert page.locator(f"#source-text mark#passage-{passage.pk}").count() == 1
    assert form.get_by_label("Deal", exact=True).input_value() == str(truce.deal.pk)
    clause = form.get_by_label("Term (clause)").locator("option:checked").inner_text()
    assert clause == "2.1 Withdrawal from the Varn valley"
    assert form.get_by_label("Asserted compliance").input_value() == "not_complied"
    assert form.get_by_label("Attribution (who says it, in words)").input_value() == (
        "a Meridian mediator"
    )
    assert form.locator(f"#id_claim-subjects-chip-{truce.arvenia.pk}").is_checked()
    # The accepted sentence has left the list; the address reopens this form.
    assert SENTENCE not in panel.inner_text()
    assert f"/sources/{source.pk}/passages/{passage.pk}/?" in page.url
    assert "claim-clause=" in page.url

    act("put the statement in my words")
    form.get_by_label("Statement", exact=True).fill(
        "Arvenia did not begin withdrawing from the Varn valley on time."
    )
    act("save it as a draft")
    form.get_by_role("button", name="Save as draft").click()
    side.get_by_text(re.compile(r"saved as a draft and linked")).wait_for()

    claim = Claim.objects.get()
    assert claim.clause == truce.clauses.withdrawal and claim.deal == truce.deal
    assert claim.phase == truce.phases.two
    assert (claim.kind, claim.compliance) == ("compliance", "not_complied")
    assert list(claim.subjects.all()) == [truce.arvenia]
    assert claim.attribution == "a Meridian mediator"
    assert list(claim.evidence.values_list("passage_id", flat=True)) == [passage.pk]
    assert Suggestion.objects.get(passage=passage).status == "accepted"
    assert len(actions) <= 6, actions
    assert not [e for e in errors if "Refused" in e or "Content Security" in e], errors
    screenshot(page, "suggestion-accepted")
    print(f"\na suggestion accepted into a linked new claim: {len(actions)} actions: {actions}")


def test_a_source_not_read_yet_loads_its_panel_closed_without_moving_the_text_then_dismiss(
    page,
    live_server,
    editor,
    truce,  # noqa: F811
):
    source = source_create(text=REPORT, title="Varn valley report", by=editor)  # an import, say
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/", wait_until="domcontentloaded")
    text_top = page.locator("#source-text").bounding_box()["y"]
    panel = page.locator("#suggestions")
    panel.get_by_text("Suggested passages (4)").wait_for()  # read by the server, then swapped in
    assert page.locator("#source-text").bounding_box()["y"] == text_top
    panel.locator("summary").first.click()
    item = panel.locator("li.suggestion", has_text="NLF fighters violated")
    item.get_by_role("button", name="Dismiss").click()
    panel.get_by_text("Dismissed:").wait_for()
    # Said, and the focus is on Undo, ready for a change of mind.
    page.wait_for_function(
        "() => document.getElementById('desk-status').textContent.startsWith('Dismissed:')"
    )
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.trim() === 'Undo'"
    )
    page.reload()
    page.locator("#suggestions li.suggestion").first.wait_for()
    assert "NLF fighters violated" not in page.locator("#suggestions").inner_text()
    assert "Dismissed suggestions (1)" in page.locator("#suggestions").inner_text()
