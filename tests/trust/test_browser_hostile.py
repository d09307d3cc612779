"""In a real browser: hostile text runs nothing, and our own scripts are not blocked by CSP.

Every HTML reading page of the URL walk is opened in Chromium over the hostile
world, as an editor (internal notes shown) and as a public visitor. No dialog may
open (every payload calls alert), no Content-Security-Policy violation may be
reported (our scripts carry the nonce; an injected one would be blocked and
reported), and htmx must have loaded.
"""

from __future__ import annotations

import pytest

from tests.browser.fixtures import login

from .hostile import HOSTILE_URL, hostile_text
from .urlwalk import all_routes
from .world import build_world

PASSWORD = "a-long-test-password-42"
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def watched_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(WATCH_CSP)
    dialogs: list[str] = []
    console: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    yield page, dialogs, console
    context.close()


def _html_pages(world) -> list[str]:
    urls = []
    for route in all_routes():
        if route.access != "reader":
            continue
        url = route.url(world)
        if url.endswith((".csv", ".json", ".jsonld", ".atom", ".svg", ".png", ".bib")):
            continue  # files (a download, not a page)
        if route.name == "desk:oembed":
            continue  # JSON for CMSs
        if route.name == "desk:source-document":
            continue  # the source's original file (a PDF), not a page
        urls.append(url)
    return urls


def _visit_all(page, dialogs, console, base: str, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        response = page.goto(base + url, wait_until="load")
        status = response.status if response else 0
        if status != 200:
            problems.append(f"{url}: HTTP {status}")
            continue
        page.wait_for_timeout(50)
        # Embeds run no script at all; every other page loads htmx.
        if not url.startswith("/embed/") and page.evaluate("typeof window.htmx") != "object":
            problems.append(f"{url}: htmx did not load")
        violations = page.evaluate("window.__csp || []")
        if violations:
            problems.append(f"{url}: CSP violations {violations}")
        # Hover over everything once: an injected onmouseover would fire.
        page.mouse.move(5, 5)
        page.mouse.move(600, 400)
    if dialogs:
        problems.append(f"dialogs opened: {dialogs}")
    if console:
        problems.append(f"CSP messages on the console: {console[:5]}")
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_text_runs_nothing_in_the_browser_for_an_editor(live_server, watched_page, editor):
    world = build_world(text=hostile_text, url=HOSTILE_URL, by=editor)
    page, dialogs, console = watched_page
    login(page, live_server, "editor", PASSWORD)
    problems = _visit_all(page, dialogs, console, live_server.url, _html_pages(world))
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_text_runs_nothing_in_the_browser_for_a_public_visitor(
    live_server, watched_page, editor, settings
):
    settings.PUBLIC_READ = True
    world = build_world(text=hostile_text, url=HOSTILE_URL, by=editor)
    page, dialogs, console = watched_page
    problems = _visit_all(page, dialogs, console, live_server.url, _html_pages(world))
    assert not problems, "\n".join(problems)
