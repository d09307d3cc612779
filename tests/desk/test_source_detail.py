"""The source reading view: the text with every passage highlighted, and the passage panel."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from dealtracker.claims.models import Claim, Evidence
from dealtracker.sources.models import Passage
from dealtracker.sources.passages import passage_mark
from tests.annotating import ARABIC, REPORT, span_of
from tests.factories import make_claim, make_draft_claim, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _TextOf(HTMLParser):
    """The textContent of the element with a given id (what the selection script counts)."""

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_content(page: str, element_id: str = "source-text") -> str:
    parser = _TextOf(element_id)
    parser.feed(page)
    return "".join(parser.parts)


def mark(source, words, by=None):
    start, end = span_of(source, words)
    return passage_mark(source=source, start=start, end=end, by=by).passage


def published(statement, **fields):
    return make_claim(statement, is_published=True, published_at=timezone.now(), **fields)


def test_reader_sees_the_text_exactly_with_each_passage_highlighted(reader_client):
    source = make_source(REPORT)
    outer = mark(source, "the official accused Israel of refusing to honor that part")
    inner = mark(source, "accused Israel")
    crossing = mark(source, "honor that part of the deal.\n\nWhite House")
    response = reader_client.get(f"/sources/{source.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    # The container's text is the canonical text, character for character.
    assert text_content(page) == REPORT
    for passage in (outer, inner, crossing):
        assert f'id="passage-{passage.pk}"' in page
    # Nested: the inner passage opens inside the outer one.
    assert page.index(f'id="passage-{outer.pk}"') < page.index(f'id="passage-{inner.pk}"')
    # Crossing: a continuation fragment of the crossing passage follows the outer's end.
    assert 'class="hl hl-cont"' in page
    assert "overlapping passages are shown darker" in page


def test_each_highlight_has_a_keyboard_reachable_link_to_its_claims(reader_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    page = reader_client.get(f"/sources/{source.pk}/").content.decode()
    url = f"/sources/{source.pk}/passages/{passage.pk}/"
    assert f'<a class="hl-link" href="{url}"' in page
    assert 'aria-label="Passage P1, 0 claims: “Gabe Witkoff”"' in page


def test_right_to_left_text_is_shown_in_its_direction(reader_client):
    source = make_source(ARABIC, language="ar", title="وقف إطلاق النار")
    mark(source, "صامد في غزة")
    page = reader_client.get(f"/sources/{source.pk}/").content.decode()
    assert 'id="source-text" class="source-text" lang="ar" dir="rtl"' in page
    assert text_content(page) == ARABIC


def test_hostile_text_in_the_source_is_escaped(reader_client):
    source = make_source('Hello <script>alert("x")</script> <img src=x onerror=alert(1)> world')
    mark(source, "<script>")
    page = reader_client.get(f"/sources/{source.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert text_content(page) == source.text


def test_htmx_request_gets_only_the_text_region(reader_client):
    source = make_source(REPORT)
    response = reader_client.get(f"/sources/{source.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and body.startswith('<div id="source-text"')
    assert response["Vary"].count("HX-Request")


def test_passage_page_shows_the_claims_resting_on_it_full_and_as_a_panel(reader_client):
    source = make_source(REPORT)
    passage = mark(source, "the official accused Israel")
    claim = make_draft_claim(
        "Israel refused phase two", attribution="a senior Palestinian official"
    )
    Evidence.objects.create(claim=claim, passage=passage, relation="states", note="check the date")
    url = f"/sources/{source.pk}/passages/{passage.pk}/"
    full = reader_client.get(url).content.decode()
    assert "<html" in full and "Israel refused phase two" in full and "check the date" in full
    panel = reader_client.get(url, headers={"HX-Request": "true"})
    body = panel.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<aside id="passage-panel"')
    assert "Israel refused phase two" in body and "a senior Palestinian official" in body
    assert "Draft" in body


def test_reader_sees_no_annotation_controls(reader_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    for url in (f"/sources/{source.pk}/", f"/sources/{source.pk}/passages/{passage.pk}/"):
        page = reader_client.get(url).content.decode()
        assert "mark-form" not in page and "Mark selected text" not in page
        assert "select.js" not in page and "Link a claim" not in page
        assert "Delete passage" not in page


def test_editor_gets_the_mark_button_the_script_and_the_link_panel(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    page = editor_client.get(f"/sources/{source.pk}/passages/{passage.pk}/").content.decode()
    assert 'id="mark-button" disabled' in page and "js/select.js" in page
    assert (
        "Link a claim to this passage" in page
        and "Save as draft" in page
        and "Save and publish" in page
    )
    assert "<script>" not in page.split("</head>")[1].split("select.js")[0]  # no inline script


def test_public_visitors_see_only_published_claims_and_no_notes(client, public_read):
    source = make_source(REPORT)
    shown = mark(source, "the official accused Israel")
    hidden = mark(source, "Gabe Witkoff")
    shown.note = "SECRET passage note"
    shown.save()
    Evidence.objects.create(claim=published("Public claim"), passage=shown, note="SECRET ev note")
    Evidence.objects.create(claim=make_draft_claim("DRAFT claim"), passage=shown)
    Evidence.objects.create(claim=make_draft_claim("DRAFT only"), passage=hidden)
    page = client.get(f"/sources/{source.pk}/").content.decode()
    assert f'id="passage-{shown.pk}"' in page and f'id="passage-{hidden.pk}"' not in page
    panel = client.get(f"/sources/{source.pk}/passages/{shown.pk}/").content.decode()
    assert "Public claim" in panel
    assert "DRAFT" not in panel and "SECRET" not in panel
    assert client.get(f"/sources/{source.pk}/passages/{hidden.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_when_the_site_is_not_public(client):
    source = make_source(REPORT)
    response = client.get(f"/sources/{source.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_source_or_passage_is_404(reader_client):
    source = make_source(REPORT)
    other = make_source("Other text here.", title="Other")
    passage = mark(other, "Other")
    assert reader_client.get("/sources/999999/").status_code == 404
    assert reader_client.get(f"/sources/{source.pk}/passages/{passage.pk}/").status_code == 404


def test_hostile_claims_and_notes_are_escaped_in_the_panel(editor_client):
    source = make_source(REPORT)
    passage = mark(source, "Gabe Witkoff")
    passage.note = '<img src=x onerror="alert(1)">'
    passage.save()
    claim = make_draft_claim('<script>alert("claim")</script>', attribution="<b onmouseover=x>")
    Evidence.objects.create(claim=claim, passage=passage, note="<script>evil()</script>")
    page = editor_client.get(
        f"/sources/{source.pk}/passages/{passage.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<script>" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&quot;claim&quot;)&lt;/script&gt;" in page


def _many_passages(count=300):
    sentence = "The official said the deal had been broken again. "
    source = make_source((sentence * count).strip())
    revision = source.revisions.get()
    passages = []
    for i in range(count):
        start = i * len(sentence)
        end = start + len(sentence) - 1
        # Every third passage overlaps the next one.
        if i % 3 == 0 and i + 1 < count:
            end += 10
        passages.append(
            Passage(
                source=source,
                start=start,
                end=end,
                quote=source.text[start:end],
                revision_made=revision,
                revision_anchored=revision,
            )
        )
    passages = Passage.objects.bulk_create(passages)
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Claim {i}",
            is_published=i % 2 == 0,
            published_at=timezone.now() if i % 2 == 0 else None,
        )
        for i in range(count)
    )
    Evidence.objects.bulk_create(
        Evidence(claim=c, passage=p) for c, p in zip(claims, passages, strict=True)
    )
    return source, passages


@pytest.mark.parametrize("who", ["editor_client", "reader_client"])
def test_source_page_with_300_passages_runs_a_bounded_number_of_queries(
    who, request, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)
    source, passages = _many_passages()
    with django_assert_max_num_queries(12):
        response = client.get(f"/sources/{source.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('class="hl-link"') == 300
    # The editor's panel adds the new-claim form's five choice lists.
    with django_assert_max_num_queries(17):
        response = client.get(f"/sources/{source.pk}/passages/{passages[5].pk}/")
    assert response.status_code == 200


def test_public_source_page_with_300_passages_is_bounded_too(
    client, public_read, django_assert_max_num_queries
):
    source, _ = _many_passages()
    with django_assert_max_num_queries(6):
        response = client.get(f"/sources/{source.pk}/")
    # Only passages a published claim rests on (every other one).
    assert response.content.decode().count('class="hl-link"') == 150


def test_text_region_of_a_passage_is_unescaped_text():
    # html.unescape of the rendered region equals the text (guard for the parser above).
    from dealtracker.desk.passage_marks import Span, mark_passages

    out = mark_passages("a <b> & c", [Span(1, 2, 5, "/x/", "P1: b", "P1")])
    assert html.unescape(out.split("</a>")[1].split("</mark>")[0]) == "<b>"
