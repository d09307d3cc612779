"""Two editors in two browsers on one claim: the second sees both values and chooses."""

from __future__ import annotations

import pytest

from dealtracker.accounts.services import user_create
from dealtracker.claims.models import Claim
from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _editor_page(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    login(page, live_server, username, PASSWORD)
    return context, page


def _open_editor(page, live_server, claim):
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.get_by_role("link", name="Edit claim").click()
    region = page.locator("#claim-edit")
    region.get_by_label("Statement", exact=True).wait_for()
    return region


def test_two_editors_change_the_same_statement_and_the_second_chooses(browser, live_server, editor):
    user_create(username="editor2", password=PASSWORD, role="editor", validate=False)
    claim = Claim.objects.create(
        statement="Israel refused to honour phase two", attribution="a senior official"
    )
    one, first = _editor_page(browser, live_server, "editor")
    two, second = _editor_page(browser, live_server, "editor2")
    try:
        first_editor = _open_editor(first, live_server, claim)
        second_editor = _open_editor(second, live_server, claim)

        first_editor.get_by_label("Statement", exact=True).fill("First editor's wording")
        first_editor.get_by_role("button", name="Save claim").click()
        first.get_by_role("heading", name="First editor's wording").wait_for()

        second_editor.get_by_label("Statement", exact=True).fill("Second editor's wording")
        second_editor.get_by_label("Attribution (who says it, in words)").fill("an aide")
        second_editor.get_by_role("button", name="Save claim").click()
        conflict = second.locator(".conflict")
        conflict.wait_for()
        # Said, focused, and both values side by side.
        assert conflict.get_attribute("role") == "alert"
        second.wait_for_function(
            "() => document.activeElement && document.activeElement.classList.contains('conflict')"
        )
        theirs = conflict.locator(".conflict-side.theirs").inner_text()
        mine = conflict.locator(".conflict-side.mine").inner_text()
        assert "First editor's wording" in theirs and "Second editor's wording" in mine
        sides = conflict.locator(".conflict-side")
        top = [sides.nth(i).bounding_box()["y"] for i in range(2)]
        assert abs(top[0] - top[1]) < 2  # side by side, not one under the other
        claim.refresh_from_db()
        assert claim.statement == "First editor's wording"
        screenshot(second, "claim-conflict")

        # Saving again without choosing writes nothing.
        second_editor.get_by_role("button", name="Save claim").click()
        second.locator(".error-summary").wait_for()
        claim.refresh_from_db()
        assert (claim.statement, claim.attribution) == (
            "First editor's wording",
            "a senior official",
        )

        second.locator(".conflict").get_by_label("Keep theirs").check()
        second.locator("#claim-edit").get_by_role("button", name="Save claim").click()
        second.get_by_role("heading", name="First editor's wording").wait_for()
        claim.refresh_from_db()
        assert claim.statement == "First editor's wording"
        assert claim.attribution == "an aide"
        assert claim.version == 3
    finally:
        one.close()
        two.close()
