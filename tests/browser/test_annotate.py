"""Annotating in the real browser: select with the mouse, mark, create a claim, see it stay.

The selection is made with Playwright's mouse over the characters' on-screen
boxes (measured in the page), so the browser's own selection — and the
selection script's UTF-16 counting — decide the offsets the server receives.
"""

from __future__ import annotations

import re

import pytest

from dealtracker.claims.models import Claim
from dealtracker.sources.models import Passage, Source
from tests.annotating import ARABIC, REPORT
from tests.browser.fixtures import login, screenshot
from tests.conftest import PASSWORD
from tests.factories import make_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Finds the on-screen box of the UTF-16 range [start, end) of #source-text's text.
_BOX_JS = """
([start, end]) => {
  const box = document.getElementById("source-text");
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node, startSet = false;
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (!startSet && start < seen + len) { range.setStart(node, start - seen); startSet = true; }
    if (end <= seen + len) { range.setEnd(node, end - seen); break; }
    seen += len;
  }
  const r = range.getClientRects()[0];
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}
"""


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _char_box(page, text: str, index: int) -> dict:
    """The box of the character at code point `index` (a whole non-BMP character too)."""
    start = _utf16(text, index)
    end = _utf16(text, index + 1)
    return page.evaluate(_BOX_JS, [start, end])


def select_with_mouse(page, text: str, start: int, end: int, *, rtl: bool = False) -> None:
    """Press the mouse at the leading edge of text[start] and release at the trailing edge of text[end-1]."""
    first = _char_box(page, text, start)
    # Bring the span into the viewport: the mouse only reaches what is on screen.
    page.evaluate("(top) => window.scrollBy(0, top - 250)", first["top"])
    first, last = _char_box(page, text, start), _char_box(page, text, end - 1)
    y0 = (first["top"] + first["bottom"]) / 2
    y1 = (last["top"] + last["bottom"]) / 2
    x0 = first["right"] - 1 if rtl else first["left"] + 1
    x1 = last["left"] + 1 if rtl else last["right"] - 1
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "Refused" in msg.text else None
        ),
    )
    return errors


def _mark_and_create_claim(page, live_server, source: Source, words: str, *, rtl: bool) -> Passage:
    errors = _csp_errors(page)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    button = page.get_by_role("button", name="Mark selected text")
    assert button.is_disabled()
    start = source.text.index(words)
    end = start + len(words)
    select_with_mouse(page, source.text, start, end, rtl=rtl)
    assert page.evaluate("window.getSelection().toString()") == words
    assert button.is_enabled()
    button.click()
    panel = page.locator("#passage-panel")
    panel.get_by_text("Passage marked.").wait_for()
    passage = Passage.objects.get(source=source, start=start, end=end)
    assert passage.quote == words
    assert page.locator(f"#source-text mark#passage-{passage.pk}").count() == 1

    statement = f"Claim resting on: {words[:40]}".strip()
    panel.get_by_label("Statement", exact=True).fill(statement)
    panel.get_by_role("button", name="Save as draft").click()
    panel.get_by_text("saved as a draft and linked to the passage").wait_for()
    # The highlight is there without a reload, now counting its claim.
    highlight = page.locator(f"#source-text mark#passage-{passage.pk}")
    assert highlight.inner_text() == words
    assert highlight.locator("a.hl-link").get_attribute("aria-label").startswith(
        "Passage"
    ) and "1 claim" in highlight.locator("a.hl-link").get_attribute("aria-label")
    claim = Claim.objects.get(statement=statement)
    assert list(claim.evidence.values_list("passage_id", flat=True)) == [passage.pk]

    page.reload()
    highlight = page.locator(f"#source-text mark#passage-{passage.pk}")
    assert highlight.inner_text() == words
    # Choosing the highlight shows the claim resting on it.
    highlight.locator("a.hl-link").click()
    page.locator("#passage-panel").get_by_text(statement).wait_for()
    assert re.search(rf"/sources/{source.pk}/passages/{passage.pk}/$", page.url)
    assert errors == []
    return passage


def test_editor_selects_a_sentence_of_the_demo_report_with_the_mouse_and_links_a_new_claim(
    page, live_server, editor, demo
):
    from devdata.demo import data

    source = Source.objects.get(url=data.SOURCE["url"])
    sentence = "He questioned how a resolution could be reached without direct communication, citing past US negotiations with groups like the Taliban as a precedent."
    assert sentence in source.text
    start = source.text.index(sentence)
    # The sentence is not marked yet in the demo, so this is a new passage.
    assert not Passage.objects.filter(source=source, start=start).exists()
    login(page, live_server, "editor", PASSWORD)
    _mark_and_create_claim(page, live_server, source, sentence, rtl=False)
    screenshot(page, "annotate-demo")


def test_editor_marks_arabic_text_with_emoji_and_the_quote_is_exact(page, live_server, editor):
    source = make_source(ARABIC, language="ar", title="وقف إطلاق النار")
    login(page, live_server, "editor", PASSWORD)
    passage = _mark_and_create_claim(
        page, live_server, source, "إسرائيل رفضت المرحلة الثانية 😠", rtl=True
    )
    assert passage.quote == "إسرائيل رفضت المرحلة الثانية 😠"
    assert page.locator("#source-text").get_attribute("dir") == "rtl"
    # The dove and the accented words before it: the page text is the stored text.
    assert page.evaluate("document.getElementById('source-text').textContent") == source.text
    screenshot(page, "annotate-arabic")


def test_editor_marks_a_span_after_emoji_in_left_to_right_text(page, live_server, editor):
    source = make_source(ARABIC, language="fr", title="Cessez-le-feu")
    login(page, live_server, "editor", PASSWORD)
    words = "respecté selon l'émissaire 🇶🇦"
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    start = source.text.index(words)
    select_with_mouse(page, source.text, start, start + len(words))
    assert page.evaluate("window.getSelection().toString()") == words
    page.get_by_role("button", name="Mark selected text").click()
    page.locator("#passage-panel").get_by_text("Passage marked.").wait_for()
    assert Passage.objects.get().quote == words


def test_a_reader_sees_no_annotation_controls(page, live_server, reader):
    source = make_source(REPORT)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, live_server, "reader", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    page.locator("#source-text").wait_for()
    assert page.get_by_role("button", name="Mark selected text").count() == 0
    assert page.locator("#mark-form").count() == 0
    assert not any("select.js" in url for url in requested)
    words = "White House advisor Gabe Witkoff cut off the talks."
    start = source.text.index(words)
    select_with_mouse(page, source.text, start, start + len(words))
    page.wait_for_timeout(300)
    assert page.locator("#passage-panel").get_by_text("Link a claim").count() == 0
    assert not Passage.objects.exists()


def test_editor_edits_a_claim_in_place_and_a_save_made_meanwhile_is_merged(
    page, live_server, editor
):
    from dealtracker.claims.services import claim_update

    claim = Claim.objects.create(statement="Israel refused to honour phase two")
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.get_by_role("link", name="Edit claim").click()
    editor_region = page.locator("#claim-edit")
    statement = editor_region.get_by_label("Statement")
    statement.wait_for()
    # Opening the editor puts the caret in its first field.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.name === 'statement'"
    )
    statement.fill("Israel refused to start phase two")
    editor_region.get_by_role("button", name="Save claim").click()
    page.get_by_role("heading", name="Israel refused to start phase two").wait_for()
    assert "Claim saved." in page.locator(".flash-messages").inner_text()

    # Someone else saves another field while this editor has the form open.
    page.get_by_role("link", name="Edit claim").click()
    statement.wait_for()
    claim_update(claim=claim, data={"attribution": "an Israeli official"}, expected_version=2)
    statement.fill("My competing wording")
    editor_region.get_by_role("button", name="Save claim").click()
    page.get_by_role("heading", name="My competing wording").wait_for()
    assert "their changes to" in page.locator(".flash-messages").inner_text()
    claim.refresh_from_db()
    assert (claim.statement, claim.attribution) == ("My competing wording", "an Israeli official")


def test_keyboard_selection_marks_and_links_an_existing_claim_found_by_typing(
    page, live_server, editor
):
    source = make_source(REPORT)
    existing = Claim.objects.create(statement="Witkoff cut off the direct talks with Hamas")
    words = "Gabe Witkoff"
    start = source.text.index(words)
    login(page, live_server, "editor", PASSWORD)
    page.goto(f"{live_server.url}/sources/{source.pk}/")
    # Keyboard selection needs caret browsing (F7), which a test cannot switch
    # on in this Chromium; the Selection API makes the same selection it would.
    page.evaluate(
        """([start, end]) => {
          const box = document.getElementById("source-text");
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          let seen = 0, node, a = null, b = null;
          while ((node = walker.nextNode())) {
            const len = node.data.length;
            if (!a && start < seen + len) a = [node, start - seen];
            if (!b && end <= seen + len) { b = [node, end - seen]; break; }
            seen += len;
          }
          window.getSelection().setBaseAndExtent(a[0], a[1], b[0], b[1]);
        }""",
        [_utf16(source.text, start), _utf16(source.text, start + len(words))],
    )
    assert page.evaluate("window.getSelection().toString()") == words
    button = page.get_by_role("button", name="Mark selected text")
    button.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#passage-panel")
    panel.get_by_text("Passage marked.").wait_for()
    passage = Passage.objects.get()
    assert passage.quote == words

    panel.get_by_text("An existing claim").click()
    panel.get_by_label("Find a claim").fill("witk")
    option = panel.get_by_label(re.compile("Witkoff cut off the direct talks"))
    option.check()
    panel.get_by_role("button", name="Link claim").click()
    panel.get_by_text(re.compile(r"Claim \d+ linked to the passage\.")).wait_for()
    assert list(existing.evidence.values_list("passage_id", flat=True)) == [passage.pk]

    # The claim page's link to the passage scrolls to it and highlights it (CSS :target).
    page.goto(f"{live_server.url}/sources/{source.pk}/#passage-{passage.pk}")
    assert page.evaluate("document.querySelector(':target').id") == f"passage-{passage.pk}"
    painted = page.evaluate("getComputedStyle(document.querySelector(':target')).backgroundColor")
    assert painted != "rgba(0, 0, 0, 0)"  # passages are only underlined; this one is painted
    # Keyboard users reach each highlight's link and open its claims with Enter.
    page.locator(f"#passage-{passage.pk} a.hl-link").focus()
    page.keyboard.press("Enter")
    page.locator("#passage-panel").get_by_text(existing.statement).wait_for()
