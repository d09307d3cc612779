"""A suggested passage to a linked new claim in the real browser, counting the editor's actions.

The issue's target: at most 6 actions from the source page to a new claim
resting on a suggested passage. Here: open the source (1), Accept the best
suggestion (2), put the statement in one's own words (3), create the claim
(4) — every guess (deal, phase, clause, party, kind, compliance,
attribution) was already filled in.
"""

from __future__ import annotations

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
    page.goto(f"{live_server.url}/sources/{source.pk}/")
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
    form = page.locator("#passage-panel form.claim-form")
    page.locator("#passage-panel").get_by_text("filled in with the suggestion").wait_for()
    passage = Passage.objects.get(source=source)
    assert passage.quote == SENTENCE
    assert page.locator(f"#source-text mark#passage-{passage.pk}").count() == 1
    assert (
        form.get_by_label("Clause")
        .locator("option:checked")
        .inner_text()
        .endswith("2.1 Withdrawal from the Varn valley")
    )
    assert form.get_by_label("Compliance").input_value() == "not_complied"
    assert form.get_by_label("Attribution (who says it, in words)").input_value() == (
        "a Meridian mediator"
    )
    # The accepted sentence has left the list; the address reopens this form.
    assert SENTENCE not in panel.inner_text()
    assert f"/sources/{source.pk}/passages/{passage.pk}/?" in page.url

    act("put the statement in my words")
    form.get_by_label("Statement", exact=True).fill(
        "Arvenia did not begin withdrawing from the Varn valley on time."
    )
    act("create the claim")
    form.get_by_role("button", name="Create claim and link").click()
    page.locator("#passage-panel").get_by_text(
        "Claim created and linked to the passage."
    ).wait_for()

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
    page.reload()
    page.locator("#suggestions li.suggestion").first.wait_for()
    assert "NLF fighters violated" not in page.locator("#suggestions").inner_text()
    assert "Dismissed suggestions (1)" in page.locator("#suggestions").inner_text()
