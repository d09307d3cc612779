"""The claims list's deal filter in Chromium: the deal typed by its title, the list
swapped by HTMX, and the chosen deal's phase and clause controls appearing without a
reload; a text that names no deal is said, and the page's address is bookmarkable."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The role groups, again: another transactional test may have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("dealtracker.accounts.migrations.0001_roles").create_groups(apps, None)


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_deal_typed_by_title_brings_its_phases_without_a_reload(page, live_server, demo, reader):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}/claims/")
    page.locator("summary", has_text="More filters").click()
    hint = page.locator("#deal-scope .field-hint")
    assert hint.inner_text() == "Choose a deal to filter by one of its phases or clauses."
    assert page.locator("#id_phase").count() == 0
    screenshot(page, "claims-filters-no-deal")
    loaded = page.evaluate("() => performance.getEntriesByType('navigation').length")

    deal = page.get_by_role("textbox", name="Deal", exact=True)
    deal.fill(demo.title.upper())
    deal.press("Enter")
    page.locator("#id_phase").wait_for()
    assert _query(page)["deal"] == [demo.title.upper()]
    assert "Deal:" in page.locator(".active-filters").inner_text()
    assert page.locator("#deal-scope .field-hint").count() == 0
    clauses = page.locator("#id_clause option")
    assert clauses.count() == demo.clauses.count() + 1  # and "any"

    # Choosing a phase narrows the list; the select keeps the focus across the swap.
    phase = page.get_by_role("combobox", name="Phase", exact=True)
    phase.focus()
    phase.select_option("2")
    page.wait_for_function("() => new URL(location.href).searchParams.get('phase') === '2'")
    page.locator(".active-filters", has_text="Phase:").wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'id_phase'"
    )
    assert page.locator("#id_phase").input_value() == "2"
    # No full load happened: HTMX swapped the list and the deal's controls.
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == loaded
    screenshot(page, "claims-deal-filter")

    # A text that names no deal: said, the hint back, the list not narrowed by it.
    deal.fill("no such truce")
    deal.press("Enter")
    page.locator(".notice", has_text="No deal has the title or slug").wait_for()
    page.locator("#deal-scope .field-hint").wait_for()
    assert errors == []

    # The address it pushed opens the same list without JavaScript's help.
    page.goto(f"{live_server.url}/claims/?deal={demo.slug}&phase=2")
    assert page.locator("#id_phase").input_value() == "2"
    assert page.locator("#id_deal").input_value() == demo.slug
