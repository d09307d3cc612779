"""Every page passes axe-core with no serious or critical violation, in Chromium, at
desktop (1366 px) and phone (390 px) width, as an anonymous visitor (public-read
mode), a reader and an editor — and so do the states HTMX swaps into a page: an
open matrix cell, the passage panel, the claim editor. Those swapped-in states
also go through the Nu HTML checker as the browser holds them (duplicate ids
between the page and what was swapped in show up only there).

Coverage, to keep the run short: every page at both widths as the editor (who
sees the most: drafts, notes and every control) and as the anonymous visitor
(the public pages, with the public-mode notice) — every rule at desktop width,
the rules the width can change at phone width (PHONE_RULES); the reader, whose
pages are the editor's without the controls, in the HTMX states at phone
width. axe-core is the copy shipped by
the `axe-playwright-python` package, injected before each page's own scripts
run (so the page's CSP does not apply to it).

A failure names the page, the role, the width and the rule, with the elements.
"""

from __future__ import annotations

import importlib

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.browser.fixtures import login
from tests.conftest import PASSWORD

from .pages import Page, demo_world, pages

DESKTOP, PHONE = 1366, 390
WIDTHS = {"anonymous": (DESKTOP, PHONE), "reader": (PHONE,), "editor": (DESKTOP, PHONE)}
# The reader's pages are the editor's without the controls (same drafts, same notes):
# at phone width the reader is checked in the HTMX states only.
PAGES_FOR = {"anonymous": True, "reader": False, "editor": True}
FAILING_IMPACTS = {"serious", "critical"}
# Moderate rules that are held too: the issue named them (content outside every
# landmark, a page without a level-one heading).
ALSO_FAILING_RULES = {"region", "page-has-heading-one", "landmark-one-main"}


# What the width changes: whether a region scrolls (and so must take the focus), the
# size and spacing of targets, the viewport, what is hidden. The other rules read the
# markup and the colours, which are the same at both widths: they run at desktop.
PHONE_RULES = [
    "scrollable-region-focusable",
    "target-size",
    "meta-viewport",
    "meta-viewport-large",
    "region",
    "landmark-one-main",
    "page-has-heading-one",
    "aria-hidden-focus",
]


def violations(page, width: int) -> list[str]:
    """axe-core's failing rules on the page as it is now, one line per rule."""
    options: dict = {"resultTypes": ["violations"]}
    if width != DESKTOP:
        options["runOnly"] = {"type": "rule", "values": PHONE_RULES}
    result = page.evaluate("options => axe.run(document, options)", options)
    found = []
    for rule in result["violations"]:
        if rule["impact"] in FAILING_IMPACTS or rule["id"] in ALSO_FAILING_RULES:
            targets = ", ".join(" ".join(map(str, n["target"])) for n in rule["nodes"][:4])
            found.append(
                f"[{rule['impact']}] {rule['id']}: {rule['help']} "
                f"({len(rule['nodes'])} element(s): {targets})"
            )
    return found


@pytest.fixture
def checked_site(transactional_db, demo, settings):
    """The demo deal, the three users and public-read mode, for the live server."""
    from django.apps import apps

    from dealtracker.accounts.services import user_create

    # Another transactional test may have flushed the role groups.
    importlib.import_module("dealtracker.accounts.migrations.0001_roles").create_groups(apps, None)
    settings.PUBLIC_READ = True
    users = {
        role: user_create(username=role, password=PASSWORD, role=role, validate=False)
        for role in ("reader", "editor")
    }
    return demo_world(by=users["editor"])


def _open_matrix_cell(page, base: str, world) -> None:
    page.goto(f"{base}/deals/{world.deal.slug}/")
    page.locator("td.cell a").first.click()
    page.locator("#matrix-cell h3").wait_for()


def _open_passage_panel(page, base: str, world) -> None:
    page.goto(f"{base}/sources/{world.source.pk}/")
    page.locator("#source-text .hl-link").first.click()
    page.locator("#passage-panel .passage-quote").wait_for()


def _open_claim_editor(page, base: str, world) -> None:
    page.goto(f"{base}/claims/{world.claim.pk}/")
    page.locator("#claim-edit a").click()
    page.locator("#claim-edit form").first.wait_for()


def _open_review_box(page, base: str, world) -> None:
    """A flagged passage's panel, opened from its highlight, with the detach question asked."""
    flagged = world.flagged_passage
    page.goto(f"{base}/sources/{flagged.source_id}/")
    page.locator(f"#passage-{flagged.pk} .hl-link").click()
    page.locator("#passage-panel .review-box").wait_for()
    page.locator("#passage-panel .review-detach button").click()
    page.locator("#passage-panel .confirm-box").wait_for()


STATES = {
    "open matrix cell": (_open_matrix_cell, ("anonymous", "reader", "editor")),
    "passage panel": (_open_passage_panel, ("anonymous", "reader", "editor")),
    "claim editor": (_open_claim_editor, ("editor",)),
    "review box with the detach question": (_open_review_box, ("editor",)),
}


def _check_pages(page, base: str, role: str, width: int, todo: list[Page]) -> list[str]:
    failures = []
    for item in todo:
        where = f"{item.label(role)} at {width} px"
        if item.method != "GET":
            continue  # a browser cannot open a POST answer by address
        response = page.goto(base + item.url)
        if response is None or response.status != item.status:
            failures.append(f"{where}: answered {response and response.status}")
            continue
        failures += [f"{where}: {v}" for v in violations(page, width)]
    return failures


@pytest.mark.browser
@pytest.mark.parametrize("role", ["anonymous", "reader", "editor"])
def test_every_page_passes_axe_at_both_widths(
    browser, live_server, checked_site, html_checker, role
):
    world = checked_site
    todo = [p for p in pages(world) if role in p.roles and p.axe]
    failures: list[str] = []
    runs = 0
    for width in WIDTHS[role]:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_init_script(AXE_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            if role != "anonymous":
                login(page, live_server, role, PASSWORD)
            if PAGES_FOR[role]:
                failures += _check_pages(page, live_server.url, role, width, todo)
                runs += len(todo)
            for state, (open_state, roles) in STATES.items():
                if role not in roles:
                    continue
                open_state(page, live_server.url, world)
                where = (
                    f"{state} ({page.url.removeprefix(live_server.url)}) as {role} at {width} px"
                )
                failures += [f"{where}: {v}" for v in violations(page, width)]
                runs += 1
                if width == WIDTHS[role][0]:
                    # The DOM after the swap, as the browser holds it.
                    problems = html_checker.errors(page.content())
                    failures += [f"{where}, HTML: {p}" for p in problems]
        finally:
            context.close()
    assert runs
    assert not failures, f"{len(failures)} problems as {role}:\n" + "\n".join(failures)
