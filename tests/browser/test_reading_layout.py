"""The reading pages as a journalist sees them in Chromium, measured: lists whose words
never break inside a word, pages that fit a phone, the deal page's matrix near the top
and every party of it reachable by keyboard on a phone, wide tables scrolling inside a
labelled region with their header and first column in view, and the reading view's
passage marks. Screenshots of each go to screenshots/ for people to look at."""

from __future__ import annotations

import importlib

import pytest
import time_machine

from dealtracker.claims.models import Claim
from dealtracker.sources.models import Source
from devdata.demo.data import SOURCE
from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD

# The demo's report (the demo deal's agreement outline is a source too).
REPORT_URL = SOURCE["url"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEAL = "/deals/gaza-ceasefire-2025/"
STORY_DAY = "2025-04-20 12:00:00+00:00"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# The lists besides /claims/ (the data dictionary and the reading view: desktop only).
LISTS = {
    "sources": "/sources/",
    "parties": "/parties/",
    "deals": "/deals/",
    "slipping": "/slipping/",
    "search": "/search/?q=ceasefire",
}


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The role groups, again: another transactional test may have flushed them."""
    from django.apps import apps

    importlib.import_module("dealtracker.accounts.migrations.0001_roles").create_groups(apps, None)


def _page(browser, viewport: dict, *, phone: bool = False):
    extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {}
    context = browser.new_context(viewport=viewport, **extra)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def desktop(browser):
    page = _page(browser, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser):
    page = _page(browser, PHONE, phone=True)
    yield page
    page.context.close()


# Every word of every cell, as a Range: a word broken across lines has boxes on two lines.
# Words are split at spaces and at hyphens and dashes (a line may end after "Egypt–").
_BROKEN_WORDS_JS = """
(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const re = /[^\\s\\-\\u2010-\\u2015\\/]+/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""

# Card cells whose value would run under their column name (its label sits in the left gutter).
_LABEL_OVERLAPS_JS = """() => [...document.querySelectorAll('.data-table td[data-label]')]
  .filter((td) => getComputedStyle(td).display !== 'none'
                  && parseFloat(getComputedStyle(td).paddingInlineStart) < 100)
  .map((td) => td.dataset.label)"""

_PAGE_BOX_JS = """() => ({
  height: document.documentElement.scrollHeight,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
})"""


def _visit(page, live_server, url: str) -> None:
    response = page.goto(f"{live_server.url}{url}")
    assert response.status == 200, url


@time_machine.travel(STORY_DAY, tick=False)
def test_the_claims_table_never_breaks_a_word_at_desktop_width(desktop, live_server, demo, reader):
    login(desktop, live_server, "reader", PASSWORD)
    _visit(desktop, live_server, "/claims/")
    rows = desktop.locator("table.claims-table tbody tr")
    assert rows.count() == Claim.objects.count()
    assert desktop.evaluate(_BROKEN_WORDS_JS, "table.claims-table th, table.claims-table td") == []
    # The table fits beside its facets: nothing to scroll sideways at this width.
    region = desktop.evaluate(
        "() => { const r = document.querySelector('.table-region'); return r.scrollWidth - r.clientWidth; }"
    )
    assert region <= 1
    screenshot(desktop, "claims-desktop")


@time_machine.travel(STORY_DAY, tick=False)
def test_every_list_keeps_its_words_whole_at_desktop_width(desktop, live_server, demo, reader):
    login(desktop, live_server, "reader", PASSWORD)
    source = Source.objects.get(url=REPORT_URL)
    for name, url in {**LISTS, "data": "/data/", "source": f"/sources/{source.pk}/"}.items():
        _visit(desktop, live_server, url)
        assert desktop.evaluate(_BROKEN_WORDS_JS, ".data-table th, .data-table td") == [], name
        assert desktop.evaluate(_PAGE_BOX_JS)["overflow"] <= 1, name
        screenshot(desktop, f"{name}-desktop")


@time_machine.travel(STORY_DAY, tick=False)
def test_claims_and_data_pages_fit_a_phone(phone, live_server, demo, settings):
    settings.PUBLIC_READ = True
    _visit(phone, live_server, "/claims/")
    box = phone.evaluate(_PAGE_BOX_JS)
    assert box["overflow"] <= 1
    cards = phone.locator("table.claims-table tbody tr")
    heights = [cards.nth(i).bounding_box()["height"] for i in range(cards.count())]
    assert cards.count() == Claim.objects.filter(is_published=True).count()
    # Each claim a compact card (the bug: a column a letter wide, 1,000 px a claim).
    assert max(heights) < 420, heights
    assert box["height"] < 2500 + sum(heights), box  # 17,078 px before, 13 claims
    assert phone.evaluate(_BROKEN_WORDS_JS, "table.claims-table th") == []
    assert phone.evaluate(_LABEL_OVERLAPS_JS) == []
    screenshot(phone, "claims-phone")

    _visit(phone, live_server, "/data/")
    box = phone.evaluate(_PAGE_BOX_JS)
    assert box["overflow"] <= 1  # 75 px too wide before
    rows = phone.locator("table.dictionary tbody tr")
    row_heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
    assert max(row_heights) < 200, row_heights
    assert box["height"] < 25_000, box  # 108,729 px before
    screenshot(phone, "data-phone")


@time_machine.travel(STORY_DAY, tick=False)
def test_every_list_fits_a_phone_without_sideways_scrolling(phone, live_server, demo, reader):
    login(phone, live_server, "reader", PASSWORD)
    for name, url in LISTS.items():
        _visit(phone, live_server, url)
        assert phone.evaluate(_PAGE_BOX_JS)["overflow"] <= 1, name
        assert phone.evaluate(_BROKEN_WORDS_JS, ".data-table th[scope=row]") == [], name
        assert phone.evaluate(_LABEL_OVERLAPS_JS) == [], name
        screenshot(phone, f"{name}-phone")


@time_machine.travel(STORY_DAY, tick=False)
def test_the_matrix_is_near_the_top_of_the_deal_page(desktop, live_server, demo, reader):
    login(desktop, live_server, "reader", PASSWORD)
    _visit(desktop, live_server, DEAL)
    top = desktop.evaluate(
        "() => document.querySelector('table.matrix').getBoundingClientRect().top"
    )
    assert top < 900  # 2,400 px down before, after the timeline, roll-ups and overdue list
    order = desktop.evaluate(
        """() => ['status-h', 'matrix-h', 'overdue-h', 'timeline-h', 'record-h', 'clauses-h']
             .map((id) => document.getElementById(id).getBoundingClientRect().top)"""
    )
    assert order == sorted(order)
    screenshot(desktop, "deal-desktop")


@time_machine.travel(STORY_DAY, tick=False)
def test_every_matrix_party_is_reachable_by_keyboard_on_a_phone(phone, live_server, demo, settings):
    settings.PUBLIC_READ = True
    _visit(phone, live_server, DEAL)
    top = phone.evaluate("() => document.querySelector('table.matrix').getBoundingClientRect().top")
    assert top < 1600  # 4,400 px down before
    # Into the matrix's region with Tab, then Tab through its cells.
    phone.locator(".matrix-section .as-of button").focus()
    for _ in range(4):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.classList.contains('matrix-wrap')"):
            break
    assert phone.evaluate("document.activeElement.getAttribute('role')") == "region"
    reached: dict[str, set[str]] = {}
    stops = phone.locator("table.matrix a").count()
    for _ in range(stops + 5):
        phone.keyboard.press("Tab")
        focused = phone.evaluate(
            """() => { const a = document.activeElement;
                 if (!a.closest('table.matrix')) return 'left';
                 const td = a.closest('td.cell'); if (!td) return null;
                 const r = a.getBoundingClientRect();
                 return {party: td.dataset.label, clause: td.closest('tr').querySelector('th .ref').textContent,
                         left: r.left, right: r.right}; }"""
        )
        if focused == "left":
            break
        if focused is None:  # a clause's own link
            continue
        # The focused cell is on screen, not off to the side of a scrolling table.
        assert focused["left"] >= 0 and focused["right"] <= PHONE["width"], focused
        reached.setdefault(focused["clause"], set()).add(focused["party"])
    expected = phone.evaluate(
        """() => { const out = {}; for (const td of document.querySelectorAll('table.matrix td.cell:not(.not-obliged)')) {
             const ref = td.closest('tr').querySelector('th .ref').textContent;
             (out[ref] = out[ref] || []).push(td.dataset.label); } return out; }"""
    )
    assert {ref: set(parties) for ref, parties in expected.items()} == reached
    assert set().union(*reached.values()) == {"Israel", "Hamas", "Egypt", "Qatar", "US"}
    screenshot(phone, "deal-phone")


@time_machine.travel(STORY_DAY, tick=False)
def test_a_wide_table_scrolls_in_its_region_with_header_and_first_column_in_view(
    browser, live_server, demo, reader
):
    page = _page(browser, {"width": 760, "height": 600})
    try:
        login(page, live_server, "reader", PASSWORD)
        _visit(page, live_server, "/claims/")
        region = page.locator(".table-region")
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        label = page.evaluate(
            "() => document.getElementById(document.querySelector('.table-region')"
            ".getAttribute('aria-labelledby')).textContent"
        )
        assert label.startswith("Claims, newest first")
        # Wider than the window: it scrolls inside the region, the page does not.
        assert page.evaluate(_PAGE_BOX_JS)["overflow"] <= 1
        assert page.evaluate("(r) => r.scrollWidth > r.clientWidth", region.element_handle())
        # From the keyboard: focus the region, arrow right and down.
        region.focus()
        for _ in range(8):
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowDown")
        # Keyboard scrolling is animated: wait until the region has moved both ways and stopped.
        page.wait_for_function(
            """(r) => { const now = r.scrollLeft + ',' + r.scrollTop;
                 const still = r.dataset.seen === now; r.dataset.seen = now;
                 return still && r.scrollLeft > 0 && r.scrollTop > 0; }""",
            arg=region.element_handle(),
            polling=150,
        )
        # The first row's claim is still at the region's left edge (scrolled out of
        # view upwards, but not sideways), and the header row at the region's top.
        edges = page.evaluate(
            """() => { const r = document.querySelector('.table-region').getBoundingClientRect();
                 const th = document.querySelector('table.claims-table tbody th').getBoundingClientRect();
                 const head = document.querySelector('table.claims-table thead th:nth-child(3)').getBoundingClientRect();
                 return {regionLeft: r.left, regionTop: r.top, cellLeft: th.left, headTop: head.top}; }"""
        )
        assert edges["cellLeft"] == pytest.approx(edges["regionLeft"] + 1, abs=1.5)
        assert edges["headTop"] == pytest.approx(edges["regionTop"] + 1, abs=1.5)
        screenshot(page, "claims-tablet-scrolled")
    finally:
        page.context.close()


def _background(page, selector: str) -> str:
    return page.evaluate(
        f"() => getComputedStyle(document.querySelector('{selector}')).backgroundColor"
    )


@time_machine.travel(STORY_DAY, tick=False)
def test_passages_are_underlined_and_the_chosen_one_stands_out(desktop, live_server, demo, reader):
    login(desktop, live_server, "reader", PASSWORD)
    source = Source.objects.get(url=REPORT_URL)
    _visit(desktop, live_server, f"/sources/{source.pk}/")
    marks = desktop.locator("#source-text mark.hl")
    assert marks.count() >= 19
    # Not painted: the text reads as text, each passage underlined, with a mark in the margin.
    assert _background(desktop, "#source-text mark.hl") == "rgba(0, 0, 0, 0)"
    line = desktop.evaluate(
        "() => getComputedStyle(document.querySelector('#source-text mark.hl')).textDecorationLine"
    )
    assert "underline" in line
    assert desktop.locator("#source-text .hl-selected").count() == 0
    # Choosing one (HTMX, in place) paints that one only, every fragment of it.
    passage = source.passages.order_by("start")[9]
    desktop.locator(f'#source-text mark[data-passage="{passage.pk}"]').first.click()
    desktop.locator(f'#passage-panel[data-passage="{passage.pk}"]').wait_for()
    desktop.locator(f'#source-text mark.hl-selected[data-passage="{passage.pk}"]').first.wait_for()
    selected = desktop.locator("#source-text .hl-selected")
    assert selected.count() >= 1
    assert {selected.nth(i).get_attribute("data-passage") for i in range(selected.count())} == {
        str(passage.pk)
    }
    assert _background(desktop, "#source-text .hl-selected") != "rgba(0, 0, 0, 0)"
    screenshot(desktop, "source-passage-chosen-desktop")
    # Linked from a claim's page: #passage-N marks that passage.
    other = source.passages.order_by("start")[2]
    _visit(desktop, live_server, f"/sources/{source.pk}/#passage-{other.pk}")
    desktop.locator(f'#source-text mark.hl-selected[data-passage="{other.pk}"]').first.wait_for()
    assert _background(desktop, f"#passage-{other.pk}") != "rgba(0, 0, 0, 0)"
