"""The embeds in a story, in Chromium: a page served from another origin (a second
local HTTP server, on another port) frames the demo's widgets with the code oEmbed
gives, and they render, sized to their content at an article's width, with no
script and no CSP complaint; the same page framing the deal page itself is refused
(frame-ancestors 'none'), and so is an embed framed by a site the setting leaves out."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.browser.fixtures import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMN = 640  # an article's column
WIDGETS = {
    "matrix": "/deals/{slug}/",
    "rollups": "/embed/deals/{slug}/rollups/",
    "timeline": "/embed/deals/{slug}/timeline/",
    "chart": "/deals/{slug}/clauses/1.2/",
}


@contextmanager
def story_site(pages: dict[str, str]):
    """Another origin: http://127.0.0.1:<its own port>, serving the given pages."""

    class Story(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not here").encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Story)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def story(frames: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A story</title>'
        "</head><body><h1>Gaza: where the truce stands</h1>"
        f'<div style="width:{COLUMN}px">{frames}</div></body></html>'
    )


@pytest.fixture
def site(transactional_db, demo, settings, live_server):
    settings.PUBLIC_READ = True
    settings.SITE_URL = live_server.url  # the embeds' links back, oEmbed's addresses
    settings.EMBED_ALLOWED_SITES = ["*"]
    return demo


def _oembed_html(live_url: str, page_url: str) -> str:
    """The iframe code a CMS gets for a page of the desk (its SITE_URL is the live server)."""
    query = urlencode({"url": f"{live_url}{page_url}", "format": "json"})
    answer = json.loads(Client().get(f"/oembed/?{query}").content)
    return answer["html"]


def _watch(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    return messages


def test_the_demo_widgets_render_in_a_story_on_another_origin_sized_to_their_content(
    browser, live_server, site
):
    frames = {
        name: _oembed_html(live_server.url, path.format(slug=site.slug))
        for name, path in WIDGETS.items()
    }
    with story_site({"/story.html": story("".join(frames.values()))}) as origin:
        assert origin.split(":")[-1] != live_server.url.split(":")[-1]
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        console = _watch(page)
        page.goto(f"{origin}/story.html", wait_until="load")
        fits = {}
        for name in WIDGETS:
            element = page.locator(f'iframe[src*="/{name}/"]')
            frame = element.element_handle().content_frame()
            frame.wait_for_load_state("load")
            assert frame.url.startswith(live_server.url + "/embed/"), frame.url
            assert frame.locator("h1").inner_text().strip(), name
            assert frame.locator("p.embed-foot").inner_text().startswith("Last updated ")
            assert frame.evaluate("() => document.scripts.length") == 0
            # How high the content is, and whether the frame scrolls to show it.
            content = frame.evaluate(
                "() => Math.ceil(document.body.getBoundingClientRect().bottom"
                " + parseFloat(getComputedStyle(document.body).marginBottom))"
            )
            scrolls = frame.evaluate(
                "() => document.documentElement.scrollHeight > window.innerHeight"
            )
            assert not scrolls, name
            box = element.bounding_box()
            fits[name] = (round(box["width"]), round(box["height"]), content)
            SCREENSHOTS.mkdir(exist_ok=True)
            element.scroll_into_view_if_needed()
            page.wait_for_timeout(100)
            element.screenshot(path=str(SCREENSHOTS / f"embed-{name}.png"))
        # The matrix, with the demo's contested cells, drawn inside the story.
        matrix = page.frame_locator('iframe[src*="/matrix/"]')
        assert matrix.locator("table.matrix td.cell").count() >= 20
        assert matrix.locator("td.cell.contested").first.is_visible()
        assert (
            page.frame_locator('iframe[src*="/timeline/"]').locator("svg.timeline-svg").is_visible()
        )
        assert (
            page.frame_locator('iframe[src*="/chart/"]')
            .locator("svg.step-chart")
            .first.is_visible()
        )
        # Sized to the content: at an article's width nothing scrolls inside the frame,
        # and the frame is not much taller than what it shows.
        for name, (width, height, content) in fits.items():
            print(f"{name}: frame {width}x{height}, content {content} px high")
            assert width == COLUMN, name
            assert content <= height, f"{name}: {content} px of content in a {height} px frame"
            assert height - content <= max(0.25 * content, 120), (name, height, content)
        problems = [m for m in console if "Refused" in m or "Content Security Policy" in m]
        assert not problems, problems
        # A link in the embed opens the full page in a new tab, not inside the story.
        with context.expect_page() as opened:
            page.frame_locator('iframe[src*="/matrix/"]').locator("p.embed-foot a").click()
        opened.value.wait_for_load_state()
        assert opened.value.url == f"{live_server.url}/deals/{site.slug}/#matrix"
        assert page.url == f"{origin}/story.html"
        context.close()


def _refused(page, frame_selector: str) -> bool:
    frame = page.locator(frame_selector).element_handle().content_frame()
    # Chromium shows its own error page in a frame it refused to fill.
    return frame is None or frame.url.startswith("chrome-error://") or frame.url == "about:blank"


def test_framing_a_page_that_is_not_an_embed_is_refused(browser, live_server, site, settings):
    deal = f"{live_server.url}/deals/{site.slug}/"
    embed = f"{live_server.url}/embed/deals/{site.slug}/matrix/"
    html = story(
        f'<iframe id="page" src="{deal}" title="deal page" width="600" height="300"></iframe>'
        f'<iframe id="login" src="{live_server.url}/accounts/login/" title="login"></iframe>'
        f'<iframe id="embed" src="{embed}" title="embed" width="600" height="300"></iframe>'
    )
    with story_site({"/story.html": html}) as origin:
        page = browser.new_page()
        console = _watch(page)
        page.goto(f"{origin}/story.html", wait_until="load")
        page.frame_locator("#embed").locator("table.matrix").wait_for()
        page.wait_for_timeout(300)
        assert _refused(page, "#page") and _refused(page, "#login")
        assert not _refused(page, "#embed")
        # Chromium names the refused origin and the directive: twice 'none' (the deal
        # page, the login page), never the embed's.
        refusals = [m for m in console if "frame-ancestors" in m]
        assert len(refusals) == 2, console
        assert all("frame-ancestors 'none'" in m and "blocked" in m for m in refusals), refusals
        page.close()

        # The setting names the sites that may frame the embeds: this story's is left out.
        settings.EMBED_ALLOWED_SITES = ["https://news.example.org"]
        page = browser.new_page()
        console = _watch(page)
        page.goto(f"{origin}/story.html", wait_until="load")
        page.wait_for_timeout(500)
        assert _refused(page, "#embed")
        assert any("frame-ancestors https://news.example.org" in m for m in console), console
        page.close()

        # ...and then named.
        settings.EMBED_ALLOWED_SITES = ["https://news.example.org", origin]
        page = browser.new_page()
        page.goto(f"{origin}/story.html", wait_until="load")
        page.frame_locator("#embed").locator("table.matrix").wait_for()
        assert not _refused(page, "#embed")
        page.close()
