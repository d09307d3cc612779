"""Screenshots of the main reading pages of the demo deal at desktop and phone width
(saved under screenshots/, not committed, for people to look at), the phone layout
not scrolling sideways, and the matrix cell opening in place with HTMX."""

from __future__ import annotations

import importlib

import pytest
import time_machine

from dealtracker.claims.models import Claim
from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD

DEAL = "/deals/gaza-ceasefire-2025/"
PAGES = {
    "home": "/",
    "deal": DEAL,
    "clause": DEAL + "clauses/2.1/",
    "party": "/parties/israel/",
}
# The story's days: phase two stalled, the report out.
STORY_DAY = "2025-04-20 12:00:00+00:00"


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The role groups, again: another transactional test may have flushed them."""
    from django.apps import apps

    importlib.import_module("dealtracker.accounts.migrations.0001_roles").create_groups(apps, None)


def _pages(demo_deal) -> dict[str, str]:
    claim = Claim.objects.get(statement__startswith="Israel refused to honour phase two of")
    return dict(PAGES, claim=f"/claims/{claim.pk}/")


def _visit_all(page, live_server, urls: dict[str, str], suffix: str) -> None:
    for name, url in urls.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, name
        assert page.locator("h1").count() == 1, name
        screenshot(page, f"{name}-{suffix}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@time_machine.travel(STORY_DAY, tick=False)
def test_main_pages_at_desktop_width(page, live_server, demo, reader):
    login(page, live_server, "reader", PASSWORD)
    _visit_all(page, live_server, _pages(demo), "desktop")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@time_machine.travel(STORY_DAY, tick=False)
def test_main_pages_at_phone_width_do_not_scroll_sideways(phone_page, live_server, demo, settings):
    settings.PUBLIC_READ = True
    urls = _pages(demo)
    _visit_all(phone_page, live_server, urls, "phone")
    for url in urls.values():
        phone_page.goto(f"{live_server.url}{url}")
        # The page itself fits the phone; only the matrix and timeline scroll inside.
        overflow = phone_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_matrix_cell_opens_its_claims_in_place(page, live_server, demo, reader):
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}{DEAL}")
    cell_url = f"{DEAL}matrix/1.2/israel/"
    page.locator(f"td.cell a[href='{cell_url}']").click()
    panel = page.locator("#matrix-cell")
    panel.get_by_text("Israel is negotiating for the hostages").wait_for()
    assert "Contested" in panel.inner_text()
    assert page.url.endswith(cell_url)
    # Still the deal page: the matrix did not go away, and the panel has the focus.
    assert page.locator("table.matrix").count() == 1
    assert page.evaluate("document.activeElement.id") == "matrix-cell-h"
    screenshot(page, "deal-cell-open-desktop")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_matrix_cell_opens_from_the_keyboard(page, live_server, demo, reader):
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}{DEAL}")
    link = page.locator("td.cell a").first
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#matrix-cell h3").wait_for()
    assert page.locator("#matrix-cell .claims").count() == 1
