"""Screenshots of the main reading pages at desktop and phone width (saved under
screenshots/, not committed), and the matrix cell opening in place with HTMX."""

from __future__ import annotations

import pytest
import time_machine

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tests.desk.conftest import build_world

PAGES = {
    "home": "/",
    "deal": "/deals/test-deal/",
    "clause": "/deals/test-deal/clauses/2.1/",
    "party": "/parties/israel/",
}


@pytest.fixture
def shown_world(transactional_db):
    return build_world()


def _visit_all(page, live_server, world, suffix: str) -> None:
    urls = dict(PAGES, claim=f"/claims/{world.accused.pk}/")
    for name, url in urls.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, name
        assert page.locator("h1").count() == 1, name
        screenshot(page, f"{name}-{suffix}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel("2025-03-20 12:00:00+00:00", tick=False)
def test_main_pages_at_desktop_width(page, live_server, shown_world, reader):
    login(page, live_server, "reader", PASSWORD)
    _visit_all(page, live_server, shown_world, "desktop")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel("2025-03-20 12:00:00+00:00", tick=False)
def test_main_pages_at_phone_width_do_not_scroll_sideways(
    phone_page, live_server, shown_world, reader
):
    login(phone_page, live_server, "reader", PASSWORD)
    _visit_all(phone_page, live_server, shown_world, "phone")
    for url in PAGES.values():
        phone_page.goto(f"{live_server.url}{url}")
        # The page itself fits the phone; only the matrix and timeline scroll inside.
        overflow = phone_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_matrix_cell_opens_its_claims_in_place(page, live_server, shown_world, reader):
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}/deals/test-deal/")
    cell = page.locator("td.cell a[href='/deals/test-deal/matrix/2.1/israel/']")
    cell.click()
    panel = page.locator("#matrix-cell")
    panel.get_by_text("Israel refused to honour phase two").wait_for()
    assert "Contested" in panel.inner_text()
    assert page.url.endswith("/deals/test-deal/matrix/2.1/israel/")
    # Still the deal page: the matrix did not go away.
    assert page.locator("table.matrix").count() == 1
    screenshot(page, "deal-cell-open-desktop")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_matrix_cell_is_reachable_by_keyboard(page, live_server, shown_world, reader):
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}/deals/test-deal/")
    link = page.locator("td.cell a").first
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#matrix-cell h3").wait_for()
    assert page.locator("#matrix-cell .claims").count() == 1
