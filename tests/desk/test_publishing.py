"""Publishing: embeds (published content only, no script, framable by the allowed sites
and nothing else is), oEmbed, chart images (SVG, and PNG drawn from it, with the source
line and dates), "Cite this" and the permalinks that survive renaming."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from html import unescape
from xml.etree import ElementTree

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pybtex.database import parse_string

from dealtracker.claims.models import Assessment, Claim
from dealtracker.claims.queries import deal_last_updated
from dealtracker.desk import sharing
from dealtracker.publishing.images import CHART_CSS_HASH
from tests.factories import make_claim
from tests.publishing import png
from tests.publishing.test_citations import CSL_SCHEMA
from tests.trust.hostile import PAYLOAD, markup_problems

SVG = "{http://www.w3.org/2000/svg}"


def embeds(world) -> dict[str, str]:
    deal = world.deal.slug
    return {
        "matrix": f"/embed/deals/{deal}/matrix/",
        "rollups": f"/embed/deals/{deal}/rollups/",
        "timeline": f"/embed/deals/{deal}/timeline/",
        "chart": f"/embed/deals/{deal}/clauses/2.1/chart/",
    }


def csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def published_assessment(world, editor):
    now = timezone.now()
    return Assessment.objects.create(
        clause=world.withdrawal,
        party=world.israel,
        assessed_on=dt.date(2025, 3, 20),
        level=Assessment.Level.MINIMAL,
        rationale="Troops left two positions.",
        is_published=True,
        published_at=now,
        created_by=editor,
    )


@pytest.fixture
def draft_assessment(world, editor):
    return Assessment.objects.create(
        clause=world.withdrawal,
        party=world.israel,
        assessed_on=dt.date(2025, 4, 1),
        level=Assessment.Level.FULL,
        rationale="SECRET draft rationale",
        is_published=False,
        created_by=editor,
    )


# --- embeds ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("widget", ["matrix", "rollups", "timeline", "chart"])
def test_an_embed_shows_published_content_only_with_no_script_and_a_link_back(
    world, reader_client, published_assessment, draft_assessment, widget
):
    """Even a logged-in reader (who sees drafts on the desk) gets the public embed."""
    response = reader_client.get(embeds(world)[widget])
    assert response.status_code == 200
    body = response.content.decode()
    for secret in ("DRAFT", "SECRET", "draft"):
        assert secret not in body, secret
    assert "<script" not in body and "data-hx-" not in body and "hx-" not in body
    assert 'class="site-nav"' not in body and "<nav" not in body and "<form" not in body
    full_page = "http://testserver/deals/test-deal/"
    assert re.search(rf'<a href="{re.escape(full_page)}[^"]*">Full tracker at ', body)
    assert '<base target="_blank">' in body
    updated = deal_last_updated(deal=world.deal, user=AnonymousUser())
    if widget == "chart":
        assert 'Israel</bdi>: <span class="level lvl-minimal">minimal' in body
    assert f'Last updated <time datetime="{updated:%Y-%m-%d}">' in body


@pytest.mark.django_db
def test_the_matrix_embed_counts_what_the_public_sees_and_links_cells_to_the_deal_page(
    world, client, public_read
):
    body = client.get(embeds(world)["matrix"]).content.decode()
    # Israel on 2.1: one "not complied", one "complied": contested; the draft is not counted.
    cell = body[body.index(f'id="cell-{world.withdrawal.pk}-{world.israel.pk}"') :]
    cell = cell[: cell.index("</td>")]
    assert "contested" in cell
    assert f'href="/deals/test-deal/matrix/2.1/{world.israel.slug}/"' in cell
    assert "1 contested cell" in body


@pytest.mark.django_db
def test_the_sites_that_may_frame_the_embeds_come_from_the_setting(world, client, settings):
    settings.PUBLIC_READ = True
    settings.EMBED_ALLOWED_SITES = ["https://news.example.org", "https://*.example.net", "'self'"]
    response = client.get(embeds(world)["matrix"])
    assert csp(response)["frame-ancestors"] == [
        "https://news.example.org",
        "https://*.example.net",
        "'self'",
    ]


@pytest.mark.parametrize(
    "raw,expected",
    [
        (None, ["*"]),
        ("*", ["*"]),
        ("https://news.example.org, self", ["https://news.example.org", "'self'"]),
        ("'self',https://*.example.net:8443/", ["'self'", "https://*.example.net:8443"]),
    ],
)
def test_embed_allowed_sites_are_read_from_the_environment(monkeypatch, raw, expected):
    from dealtracker.settings import env_frame_sources

    if raw is None:
        monkeypatch.delenv("EMBED_ALLOWED_SITES", raising=False)
    else:
        monkeypatch.setenv("EMBED_ALLOWED_SITES", raw)
    assert env_frame_sources("EMBED_ALLOWED_SITES", ["*"]) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://news.example.org; script-src *",
        "javascript:alert(1)",
        "news.example.org 'unsafe-inline'",
        "'none'",
        ",",
    ],
)
def test_embed_allowed_sites_refuse_what_is_not_a_site(monkeypatch, raw):
    from dealtracker.settings import env_frame_sources

    monkeypatch.setenv("EMBED_ALLOWED_SITES", raw)
    with pytest.raises(ImproperlyConfigured):
        env_frame_sources("EMBED_ALLOWED_SITES", ["*"])


def _stylesheets(body: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="/static/([^"]+)">', body)


@pytest.mark.django_db
def test_the_demo_matrix_embed_weighs_under_30_kb_of_html_and_css(demo, client, public_read):
    response = client.get(f"/embed/deals/{demo.slug}/matrix/")
    body = response.content
    sheets = _stylesheets(body.decode())
    assert sheets == ["css/embed.css"]
    css = sum(len(open(finders.find(sheet), "rb").read()) for sheet in sheets)  # noqa: SIM115
    total = len(body) + css
    print(f"demo matrix embed: {len(body)} bytes of HTML + {css} bytes of CSS = {total}")
    assert total < 30_000, (len(body), css)
    # Everything it loads is named above: no script, no image, no font.
    assert b"<script" not in body and b"<img" not in body and b"@font-face" not in body
    assert body.count(b'<td class="cell') >= 20  # the whole matrix is there


@pytest.mark.django_db
@pytest.mark.parametrize("widget", ["matrix", "rollups", "timeline", "chart"])
def test_an_embed_runs_a_bounded_number_of_queries_with_many_rows(
    many_rows, client, public_read, django_assert_max_num_queries, widget
):
    deal = many_rows.deal.slug
    ref = many_rows.clauses[4].reference
    url = {
        "matrix": f"/embed/deals/{deal}/matrix/",
        "rollups": f"/embed/deals/{deal}/rollups/",
        "timeline": f"/embed/deals/{deal}/timeline/",
        "chart": f"/embed/deals/{deal}/clauses/{ref}/chart/",
    }[widget]
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


# --- "Embed" buttons and oEmbed -----------------------------------------------------------


@pytest.mark.django_db
def test_the_deal_page_gives_the_iframe_code_of_each_widget_without_javascript(
    world, client, public_read
):
    body = client.get("/deals/test-deal/").content.decode()
    for widget in ("matrix", "rollups", "timeline"):
        found = re.search(
            rf'<details class="share">\s*<summary>Embed [^<]*</summary>.*?'
            rf'<textarea id="embed-{widget}-code" class="embed-code" readonly[^>]*>([^<]*)</textarea>',
            body,
            re.S,
        )
        assert found, widget
        code = unescape(found.group(1))
        assert code.startswith(
            f'<iframe src="http://testserver/embed/deals/test-deal/{widget}/" title="'
        )
        assert re.search(r'width="\d+" height="\d+" loading="lazy"', code)
        assert f'<label for="embed-{widget}-code">' in body
    assert 'href="/deals/test-deal/timeline.svg" download' in body
    assert 'href="/deals/test-deal/timeline.png" download' in body
    assert 'href="/deals/test-deal/rollups.png" download' in body


@pytest.mark.django_db
def test_the_clause_page_gives_its_step_chart_as_embed_and_images(
    world, client, public_read, published_assessment
):
    body = client.get("/deals/test-deal/clauses/2.1/").content.decode()
    assert 'id="embed-chart-code"' in body
    assert "http://testserver/embed/deals/test-deal/clauses/2.1/chart/" in body
    assert 'href="/deals/test-deal/clauses/2.1/chart.svg" download' in body


def _oembed_links(body: str) -> list[str]:
    return [
        unescape(href)
        for href in re.findall(
            r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', body
        )
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page,widget",
    [
        ("/deals/test-deal/", "matrix"),
        ("/deals/test-deal/clauses/2.1/", "clauses/2.1/chart"),
        ("/embed/deals/test-deal/timeline/", "timeline"),
        ("/embed/deals/test-deal/rollups/", "rollups"),
    ],
)
def test_pages_and_embeds_lead_a_cms_to_their_oembed(world, client, public_read, page, widget):
    (link,) = _oembed_links(client.get(page).content.decode())
    assert link.startswith("http://testserver/oembed/?url=") and link.endswith("&format=json")
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["version"] == "1.0" and answer["type"] == "rich"
    assert answer["provider_name"] == "dealtracker desk"
    assert answer["provider_url"] == "http://testserver/"
    assert isinstance(answer["width"], int) and isinstance(answer["height"], int)
    src = f"http://testserver/embed/deals/test-deal/{widget}/"
    assert answer["html"].startswith(f'<iframe src="{src}" title="')
    assert f'height="{answer["height"]}"' in answer["html"]
    # The iframe it gives is one that may be framed.
    assert csp(client.get(src.removeprefix("http://testserver")))["frame-ancestors"] == ["*"]


@pytest.mark.django_db
def test_oembed_honours_maxwidth_and_maxheight_and_escapes_the_title(world, client, public_read):
    world.deal.title = 'A "quoted" <b>deal</b> & co'
    world.deal.save()
    answer = client.get(
        "/oembed/",
        {"url": f"http://testserver/d/{world.deal.pk}/", "maxwidth": 300, "maxheight": 200},
    ).json()
    assert answer["width"] == 300 and answer["height"] == 200
    assert 'width="300" height="200"' in answer["html"]
    assert "max-width:300px" in answer["html"]
    assert answer["title"] == 'Who complies with what: A "quoted" <b>deal</b> & co'
    assert "&quot;quoted&quot; &lt;b&gt;deal&lt;/b&gt; &amp; co" in answer["html"]
    assert "<b>" not in answer["html"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params,status",
    [
        ({"url": "https://evil.example.org/deals/test-deal/"}, 404),
        ({"url": "http://testserver/claims/"}, 404),
        ({"url": "http://testserver/deals/no-such-deal/"}, 404),
        ({"url": "javascript:alert(1)//testserver/deals/test-deal/"}, 404),
        ({"url": "http://testserver/deals/test-deal/", "format": "xml"}, 501),
        ({"url": "http://testserver/deals/test-deal/", "maxwidth": "wide"}, 400),
        ({}, 400),
    ],
)
def test_oembed_refuses_what_it_cannot_embed(world, client, public_read, params, status):
    response = client.get("/oembed/", params)
    assert response.status_code == status
    assert "error" in response.json()


# --- chart images ---------------------------------------------------------------------------


def _svg_text(root) -> str:
    return " ".join(t.strip() for t in root.itertext() if t.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,title",
    [
        ("/deals/test-deal/timeline.svg", "Test ceasefire and hostage deal: timeline"),
        ("/deals/test-deal/rollups.svg", "Test ceasefire and hostage deal: implementation record"),
        ("/deals/test-deal/clauses/2.1/chart.svg", "clause 2.1 Full withdrawal"),
    ],
)
def test_a_chart_downloads_as_a_standalone_svg_with_its_source_and_dates(
    world, client, public_read, published_assessment, draft_assessment, url, title
):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = response.content.decode()
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg" and int(root.get("width")) > 0
    words = _svg_text(root)
    assert title in words
    permalink = "/c/" if "clauses" in url else "/d/"
    assert f"Source: dealtracker desk · http://testserver{permalink}" in words
    today = timezone.localdate()
    assert f"downloaded {today.day} {today:%b %Y}" in words and "Last updated " in words
    assert "SECRET" not in text and "full since" not in words  # the draft assessment is not in
    # The only stylesheet is the chart's own, the one the CSP lets the image apply.
    (style,) = root.iter(f"{SVG}style")
    digest = base64.b64encode(hashlib.sha256(style.text.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == CHART_CSS_HASH
    assert csp(response)["style-src"] == [CHART_CSS_HASH]
    assert csp(response)["script-src"] == ["'none'"]
    assert not markup_problems(text)


@pytest.mark.django_db
def test_a_chart_png_is_drawn_from_the_same_svg_with_the_source_line_in_the_picture(
    world, client, public_read
):
    svg = ElementTree.fromstring(client.get("/deals/test-deal/rollups.svg").content)
    response = client.get("/deals/test-deal/rollups.png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="test-deal-rollups.png"'
    width, height = int(svg.get("width")), int(svg.get("height"))
    assert png.size(response.content) == (2 * width, 2 * height)
    picture = png.read(response.content)
    # The title above the chart and the two source lines below it are drawn (text is
    # dark on white): the picture is not blank where they stand.
    lines = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-source"]
    assert len(lines) == 2
    for line in lines:
        baseline = 2 * int(line.get("y"))
        assert picture.dark_pixels(baseline - 20, baseline + 4) > 300, line.text
    assert picture.dark_pixels(0, 2 * 30) > 500  # the title
    assert picture.pixel(2 * width - 2, 2 * height - 2)[:3] == (255, 255, 255)


@pytest.mark.django_db
def test_a_deal_without_dated_phases_has_no_timeline_image(world, client, public_read):
    world.deal.phases.update(
        planned_start=None, planned_end=None, actual_start=None, actual_end=None
    )
    assert client.get("/deals/test-deal/timeline.svg").status_code == 404
    assert client.get("/deals/test-deal/rollups.svg").status_code == 200


# --- Cite this ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,page,permalink",
    [
        ("deal", "/deals/test-deal/", "/d/{deal}/"),
        ("clause", "/deals/test-deal/clauses/2.1/", "/c/{clause}/"),
        ("claim", "/claims/{claim}/", "/claims/{claim}/"),
    ],
)
def test_deal_clause_and_claim_pages_offer_a_citation(
    world, client, public_read, settings, kind, page, permalink
):
    settings.NEWSROOM_NAME = "The Example Times"
    ids = {"deal": world.deal.pk, "clause": world.withdrawal.pk, "claim": world.accused.pk}
    body = client.get(page.format(**ids)).content.decode()
    box = body[body.index('<details class="cite"') :]
    box = box[: box.index("</details>")]
    assert f"<summary>Cite this {kind}</summary>" in box
    url = "http://testserver" + permalink.format(**ids)
    today = timezone.localdate()
    sentence = re.search(r'<span class="cite-label">As a sentence</span> ([^<]+)</p>', box)
    assert sentence.group(1).startswith("The Example Times, “")
    assert f"{url} (accessed {today.day} {today:%B %Y})." in unescape(sentence.group(1))
    assert f"Retrieved {today:%B} {today.day}, {today.year}, from {url}" in box
    assert re.search(r"\. \(\d{4}, [A-Z][a-z]+ \d+\)\. <i>", box)
    bibtex = unescape(re.search(r'<textarea id="cite-bibtex"[^>]*>([^<]+)</textarea>', box)[1])
    assert parse_string(bibtex, "bibtex").entries
    for fmt in ("bib", "json"):
        assert f'.{fmt}" download>' in box
    assert f'<a href="{url}">' in box


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/deals/test-deal/cite", "/deals/test-deal/clauses/2.1/cite", "/claims/{claim}/cite"]
)
def test_citations_download_as_bibtex_and_csl_json(world, client, public_read, url):
    import jsonschema

    url = url.format(claim=world.accused.pk)
    bib = client.get(url + ".bib")
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"].startswith('attachment; filename="dealtracker-')
    (entry,) = parse_string(bib.content.decode(), "bibtex").entries.values()
    assert entry.fields["urldate"] == timezone.localdate().isoformat()
    csl = client.get(url + ".json")
    assert csl["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(csl.content)
    jsonschema.validate(items, CSL_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert items[0]["URL"] == entry.fields["url"]
    assert items[0]["id"] == bib["Content-Disposition"].split('"')[1].removesuffix(".bib")


@pytest.mark.django_db
def test_a_draft_claim_is_not_cited(world, reader_client):
    body = reader_client.get(f"/claims/{world.draft.pk}/").content.decode()
    assert "DRAFT claim" in body  # the reader sees the draft...
    assert "Cite this" not in body  # ...but it has no citation until it is published
    for fmt in ("bib", "json"):
        assert reader_client.get(f"/claims/{world.draft.pk}/cite.{fmt}").status_code == 404


@pytest.mark.django_db
def test_a_hostile_statement_is_escaped_in_every_form_of_its_citation(world, client, public_read):
    claim = make_claim(
        statement=f"}}{{ {PAYLOAD} @misc{{x,",
        attribution="an official",
        deal=world.deal,
        clause=world.withdrawal,
        compliance=Claim.Compliance.NOT_COMPLIED,
        subjects=[world.israel],
    )
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert not markup_problems(page)
    bib = client.get(f"/claims/{claim.pk}/cite.bib").content.decode()
    (entry,) = parse_string(bib, "bibtex").entries.values()
    assert "<script>" in entry.fields["title"]  # as text: BibTeX is not HTML
    assert entry.fields["title"].count("{") == entry.fields["title"].count("}")
    csl = json.loads(client.get(f"/claims/{claim.pk}/cite.json").content)
    assert csl[0]["title"] == Claim.objects.get(pk=claim.pk).statement


# --- permalinks and renaming -------------------------------------------------------------


@pytest.mark.django_db
def test_permalinks_and_old_addresses_survive_renaming_a_deal_and_a_clause(
    world, client, public_read
):
    deal, clause = world.deal, world.withdrawal
    assert client.get(f"/d/{deal.pk}/")["Location"] == "/deals/test-deal/"
    citation_url = sharing.deal_citable(deal, today=dt.date(2026, 1, 1)).url
    assert citation_url == f"http://testserver/d/{deal.pk}/"

    deal.slug = "test-deal-renamed"
    deal.save()
    clause.reference = "2.1a"
    clause.save()

    assert client.get(f"/d/{deal.pk}/")["Location"] == "/deals/test-deal-renamed/"
    assert client.get(f"/d/{deal.pk}/?as_of=2025-03-01")["Location"].endswith("?as_of=2025-03-01")
    assert client.get(f"/c/{clause.pk}/")["Location"] == "/deals/test-deal-renamed/clauses/2.1a/"
    # Addresses with the old slug, in stories and their iframes, follow the deal.
    moved = {
        "/deals/test-deal/": "/deals/test-deal-renamed/",
        "/deals/test-deal/clauses/1.1/": "/deals/test-deal-renamed/clauses/1.1/",
        "/embed/deals/test-deal/matrix/": "/embed/deals/test-deal-renamed/matrix/",
        "/deals/test-deal/timeline.png": "/deals/test-deal-renamed/timeline.png",
        "/deals/test-deal.json": "/deals/test-deal-renamed.json",
    }
    for old, new in moved.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (302, new), old
        assert client.get(new).status_code == 200, new
    assert client.get("/deals/never-was-a-deal/").status_code == 404
    assert client.get(f"/d/{deal.pk + 1000}/").status_code == 404
    # The citation still points at the same deal, through its id.
    assert (
        client.get(citation_url.removeprefix("http://testserver"), follow=True).status_code == 200
    )


@pytest.mark.django_db
def test_an_old_address_reveals_nothing_to_anonymous_visitors_of_a_private_desk(world, client):
    world.deal.slug = "test-deal-renamed"
    world.deal.save()
    response = client.get("/deals/test-deal/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # An address no view serves is a plain 404, not a redirect that names the new slug.
    assert client.get("/deals/test-deal/nothing-here/").status_code == 404


# --- last updated ------------------------------------------------------------------------


@pytest.mark.django_db
def test_last_updated_follows_what_the_public_sees(world, editor, client, public_read):
    public = AnonymousUser()
    with time_machine.travel("2031-02-03 10:00:00+00:00", tick=False):
        make_claim(
            statement="Published later",
            deal=world.deal,
            clause=world.withdrawal,
            is_published=True,
            published_at=timezone.now(),
        )
    with time_machine.travel("2032-05-06 10:00:00+00:00", tick=False):
        make_claim(statement="A later draft", deal=world.deal, is_published=False)
    assert deal_last_updated(deal=world.deal, user=public).date() == dt.date(2031, 2, 3)
    assert deal_last_updated(deal=world.deal, user=editor).date() == dt.date(2032, 5, 6)
    body = client.get(embeds(world)["matrix"]).content.decode()
    assert 'Last updated <time datetime="2031-02-03">3 February 2031</time>' in body
    bib = client.get("/deals/test-deal/cite.bib").content.decode()
    assert "date = {2031-02-03}" in bib
