"""Working the review queue in the real browser: an editor resolves flagged passages from the
desk — moves one by selecting the right words with the mouse, detaches another — and never
opens the admin."""

from __future__ import annotations

import re

import pytest

from dealtracker.claims.models import Evidence
from dealtracker.sources.models import Passage
from tests.browser.fixtures import login, screenshot
from tests.browser.test_annotate import _csp_errors, select_with_mouse
from tests.conftest import PASSWORD
from tests.reviewing import build_flagged

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_works_flagged_passages_off_the_review_queue_without_the_admin(
    page, live_server, editor
):
    world = build_flagged(by=editor)
    envoy, aside = world.envoy, world.aside
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors = _csp_errors(page)
    login(page, live_server, "editor", PASSWORD)

    # The queue: both flagged passages, by the labels the reading view shows.
    page.goto(f"{live_server.url}/sources/review/")
    queue = page.locator("#review-list")
    queue.get_by_text("2 passages to review").wait_for()
    item = page.locator(f"#review-{envoy.pk}")
    # What changed, said in words for screen readers as well as struck through and underlined.
    assert item.locator("del").first.text_content() == "[deleted: Gabe]"
    assert item.locator("ins").first.text_content() == "[inserted: Steve]"
    screenshot(page, "review-queue")

    # Move: open the passage in the text, select the right words, move it there.
    item.get_by_role("link", name=f"Move {envoy.label}: select the right words in the text").click()
    page.wait_for_url(re.compile(rf"/sources/{world.source.pk}/passages/{envoy.pk}/$"))
    panel = page.locator("#passage-panel")
    panel.get_by_role("heading", name=f"{envoy.label} needs review").wait_for()
    move = panel.get_by_role("button", name=f"Move {envoy.label} to the selected words")
    assert move.is_disabled()
    screenshot(page, "review-panel")
    text = world.revision.text
    words = "White House advisor Steve Witkoff cut off the talks"
    start = text.index(words)
    select_with_mouse(page, text, start, start + len(words))
    assert page.evaluate("window.getSelection().toString()") == words
    assert move.is_enabled()
    move.click()
    panel.get_by_text(f"{envoy.label} moved to the words you selected.").wait_for()
    highlight = page.locator(f"#source-text mark#passage-{envoy.pk}")
    assert highlight.inner_text() == words
    assert highlight.locator("a.hl-link").get_attribute("data-label") == envoy.label
    envoy.refresh_from_db()
    assert (envoy.quote, envoy.needs_review, envoy.anchor_status) == (words, False, "anchored")
    assert Evidence.objects.get(claim=world.claims["envoy"]).passage_id == envoy.pk
    screenshot(page, "review-moved")

    # Back to the queue: only the orphan is left; detach it there (asked first).
    page.goto(f"{live_server.url}/sources/review/")
    queue.get_by_text("1 passage to review").wait_for()
    page.locator(f"#review-{aside.pk}").get_by_role("button", name=f"Detach {aside.label}…").click()
    confirm = page.locator(f"#confirm-detach-{aside.pk} .confirm-box")
    confirm.get_by_text(f"Detach {aside.label} from the text?").wait_for()
    confirm.get_by_role("button", name=f"Detach {aside.label}").click()
    queue.get_by_text(f"{aside.label} detached from the text.").wait_for()
    queue.get_by_text("Nothing to review.").wait_for()
    aside = Passage.objects.get(pk=aside.pk)
    assert aside.is_detached
    assert Evidence.objects.filter(passage=aside).count() == 1
    screenshot(page, "review-queue-empty")

    assert not [url for url in requested if "/admin/" in url]
    assert errors == []
