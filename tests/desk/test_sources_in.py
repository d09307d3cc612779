"""The editors' sources side: list, add (paste, upload, URL), revise, revisions, review, history."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Party
from dealtracker.sources.anchoring import quote_selector
from dealtracker.sources.models import Passage, Reanchoring, Source, SourceRevision
from dealtracker.sources.services import source_create
from tests.annotating import FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED
from tests.forms import form_values

pytestmark = pytest.mark.django_db

NEW = reverse("desk:source-new")
LIST = reverse("desk:source-list")
REVIEW = reverse("desk:passage-review")

REPORT, CORRECTED = FOUR_PARAGRAPHS, FOUR_PARAGRAPHS_CORRECTED
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def mark(source: Source, quote: str) -> Passage:
    revision = source.revisions.order_by("-number").first()
    start = revision.text.index(quote)
    end = start + len(quote)
    quote, prefix, suffix = quote_selector(revision.text, start, end)
    return Passage.objects.create(
        source=source,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        revision_made=revision,
        revision_anchored=revision,
    )


def paste(client: Client, **fields):
    data = {"action": "save", "kind": "news_report", "language": "en", **fields}
    return client.post(NEW, data)


# --- adding a source -----------------------------------------------------------------


def test_editor_adds_a_source_by_pasting_its_text(editor_client, editor):
    response = paste(
        editor_client,
        text="Cafe\u0301 talks resumed.\r\n\r\n\r\nPhase two\tis late.  ",
        title="Talks resume",
        outlet="The Times of Israel",
        published_on="2025-04-17",
    )
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:source-detail", args=[source.pk])
    # Canonicalised once on the way in.
    assert source.text == "Café talks resumed.\n\nPhase two is late."
    assert source.outlet == "The Times of Israel"
    assert str(source.published_on) == "2025-04-17"
    assert source.created_by == editor
    assert source.revisions.get().number == 1


def test_the_new_source_page_offers_three_ways_in(editor_client):
    response = editor_client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    for control in ('name="text"', 'name="upload"', 'name="url"', 'value="fetch"', 'value="read"'):
        assert control in html
    assert 'for="id_title"' in html and 'for="id_upload"' in html


def test_pasting_nothing_is_refused_with_a_clear_message(editor_client):
    response = paste(editor_client, text="  \n ", title="Empty")
    assert response.status_code == 422
    assert "Paste the text, upload a file or give an address" in response.content.decode()
    assert not Source.objects.exists()


def test_a_title_is_required(editor_client):
    response = paste(editor_client, text="Some report text.", title="")
    assert response.status_code == 422
    assert "A source needs a title." in response.content.decode()
    assert not Source.objects.exists()


def test_an_oversized_paste_is_refused_with_413(editor_client, settings):
    settings.SOURCE_MAX_BYTES = 1000
    response = paste(editor_client, text="x" * 1001, title="Too long")
    assert response.status_code == 413
    assert "the limit is 1,000 bytes" in response.content.decode()
    assert not Source.objects.exists()


def test_an_uploaded_txt_file_in_cp1252_is_decoded(editor_client):
    upload = SimpleUploadedFile(
        "report.txt", "Le cessez-le-feu a été prolongé à Gaza.".encode("cp1252"), "text/plain"
    )
    response = editor_client.post(
        NEW, {"action": "save", "upload": upload, "title": "Trêve", "kind": "news_report"}
    )
    assert response.status_code == 302
    assert Source.objects.get().text == "Le cessez-le-feu a été prolongé à Gaza."


HTML_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta property="og:title" content="La trêve vacille">
<meta name="author" content="Claire Dupont">
<meta property="og:site_name" content="Le Quotidien">
<meta property="article:published_time" content="2025-03-03T08:00:00Z">
</head><body><nav>Accueil Monde Sport</nav><article><h1>La trêve vacille</h1>
<p>La deuxième phase de l'accord devait commencer le 2 mars et apporter un arrêt complet des hostilités.</p>
<p>Un responsable palestinien accuse Israël de refuser d'honorer cette partie de l'accord signé en janvier.</p>
</article><footer>Mentions légales</footer></body></html>"""


def test_reading_an_uploaded_html_file_prefills_the_metadata_for_the_editor_to_check(editor_client):
    upload = SimpleUploadedFile("page.html", HTML_PAGE.encode(), "text/html")
    response = editor_client.post(NEW, {"action": "read", "upload": upload, "kind": "news_report"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="La trêve vacille"' in html
    assert 'value="Claire Dupont"' in html
    assert 'value="Le Quotidien"' in html
    assert 'value="2025-03-03"' in html
    assert 'value="fr"' in html
    assert "arrêt complet des hostilités" in html
    assert "Mentions légales" not in html
    assert "Check the text and the details" in html
    assert not Source.objects.exists()


def test_saving_an_uploaded_html_file_directly_fills_empty_metadata_and_keeps_what_the_editor_typed(
    editor_client,
):
    upload = SimpleUploadedFile("page.html", HTML_PAGE.encode(), "text/html")
    response = editor_client.post(
        NEW, {"action": "save", "upload": upload, "kind": "news_report", "author": "Desk"}
    )
    # The outlet came from the file's own markup: shown to confirm, nothing stored yet.
    assert response.status_code == 200 and not Source.objects.exists()
    page = response.content.decode()
    assert "Check what the file says about itself" in page and "Le Quotidien" in page
    response = editor_client.post(
        NEW, form_values(page, css_class="src-form", press=("action", "save"))
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.title == "La trêve vacille"
    assert source.author == "Desk"
    assert source.outlet == "Le Quotidien"
    assert source.language == "fr"
    assert "Accueil" not in source.text


def test_an_uploaded_markdown_file_loses_its_markup(editor_client):
    upload = SimpleUploadedFile(
        "note.md",
        b"# Phase two stalls\n\nTalks on **phase two** were due in *early February*.\n",
        "text/markdown",
    )
    response = editor_client.post(NEW, {"action": "save", "upload": upload, "kind": "news_report"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.title == "Phase two stalls"
    assert source.text == "Talks on phase two were due in early February."


def test_an_upload_of_another_file_type_is_refused(editor_client):
    upload = SimpleUploadedFile(
        "report.odt", b"PK\x03\x04", "application/vnd.oasis.opendocument.text"
    )
    response = editor_client.post(NEW, {"action": "save", "upload": upload, "title": "ODT"})
    assert response.status_code == 422
    assert "upload a .txt, .html, .md, .pdf or .docx file" in response.content.decode()
    assert not Source.objects.exists()


def test_an_oversized_upload_is_refused_with_413(editor_client, settings):
    settings.SOURCE_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.txt", b"y" * 101, "text/plain")
    response = editor_client.post(NEW, {"action": "save", "upload": upload, "title": "Big"})
    assert response.status_code == 413
    assert "the limit is 100 bytes" in response.content.decode()


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = HTML_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def page_server(settings):
    """A loopback web server (the only network tests may use), allowed by the setting."""
    settings.SOURCE_FETCH_ALLOW_PRIVATE = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/article"
    server.shutdown()
    server.server_close()


def test_fetching_a_url_prefills_text_and_metadata_then_saving_creates_the_source(
    editor_client, page_server
):
    response = editor_client.post(
        NEW, {"action": "fetch", "url": page_server, "kind": "news_report"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="La trêve vacille"' in html
    assert "arrêt complet des hostilités" in html
    assert not Source.objects.exists()

    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "upload"}
    data["published_on"] = "2025-03-03"
    response = editor_client.post(NEW, {**data, "action": "save"})
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.url == page_server
    assert source.title == "La trêve vacille"


def test_fetching_a_private_address_is_refused_with_a_message(editor_client, settings, monkeypatch):
    import socket

    settings.SOURCE_FETCH_ALLOW_PRIVATE = False

    def never(*args, **kwargs):
        raise AssertionError("no connection may be made")

    monkeypatch.setattr(socket, "create_connection", never)
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, *a, **k: [(2, 1, 6, "", ("10.0.0.7", port))]
    )
    response = editor_client.post(
        NEW, {"action": "fetch", "url": "http://intranet.example/", "kind": "news_report"}
    )
    assert response.status_code == 422
    assert "private or local network address" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example/a"]
)
def test_a_non_web_url_is_refused_by_the_form(editor_client, url):
    response = paste(editor_client, text="Report text.", title="Report", url=url)
    assert response.status_code == 422
    assert "starting with http:// or https://" in response.content.decode()
    assert not Source.objects.exists()


# --- duplicates ----------------------------------------------------------------------


def test_the_same_url_and_text_lead_to_the_existing_source_with_a_message(editor_client, editor):
    existing = source_create(text=REPORT, title="Report", url="https://news.example/a", by=editor)
    response = paste(editor_client, text=REPORT, title="Again", url="https://news.example/a")
    assert response.status_code == 302
    assert response["Location"] == existing.get_absolute_url()
    assert Source.objects.count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"This report is already here as source {existing.pk}."]


def test_the_same_text_pasted_again_leads_to_the_existing_source(editor_client, editor):
    existing = source_create(text=REPORT, title="Report", by=editor)
    response = paste(editor_client, text=REPORT + "\n\n", title="Again")
    assert response.status_code == 302
    assert response["Location"] == existing.get_absolute_url()
    assert Source.objects.count() == 1


def test_the_same_url_with_new_text_is_offered_as_a_revision(editor_client, editor):
    existing = source_create(text=REPORT, title="Report", url="https://news.example/a", by=editor)
    response = paste(editor_client, text=CORRECTED, title="Report", url="https://news.example/a")
    assert response.status_code == 409
    html = response.content.decode()
    assert reverse("desk:source-revise", args=[existing.pk]) in html
    assert f"Revise source {existing.pk} with this text" in html
    assert Source.objects.count() == 1

    # Following the offer shows the revise form with the new text, not yet saved.
    response = editor_client.post(
        reverse("desk:source-revise", args=[existing.pk]), {"load": "1", "text": CORRECTED}
    )
    assert response.status_code == 200
    assert "Steve Witkoff" in response.content.decode()
    assert existing.revisions.count() == 1


def test_a_wire_copy_is_flagged_and_the_editor_may_add_it_as_a_copy(editor_client, editor):
    original = source_create(text=REPORT, title="Wire", url="https://wire.example/a", by=editor)
    fields = {"text": REPORT, "title": "Paper copy", "url": "https://paper.example/b"}
    response = paste(editor_client, **fields)
    assert response.status_code == 409
    html = response.content.decode()
    assert "wire copy" in html
    assert f'name="copy_of" value="{original.pk}"' in html
    assert Source.objects.count() == 1

    response = paste(editor_client, **fields, copy_of=str(original.pk))
    assert response.status_code == 302
    copy = Source.objects.get(url="https://paper.example/b")
    assert copy.duplicate_of == original


# --- permissions and CSRF ----------------------------------------------------------


def test_a_reader_posting_to_the_editing_endpoints_gets_403_and_nothing_changes(
    reader_client, editor
):
    source = source_create(text=REPORT, title="Report", by=editor)
    assert reader_client.get(NEW).status_code == 403
    assert paste(reader_client, text="Other text", title="Sneaky").status_code == 403
    revise = reverse("desk:source-revise", args=[source.pk])
    assert reader_client.get(revise).status_code == 403
    response = reader_client.post(revise, {"text": CORRECTED, "base_revision": 1})
    assert response.status_code == 403
    assert reader_client.post(reverse("desk:source-delete", args=[source.pk])).status_code == 403
    assert reader_client.get(REVIEW).status_code == 403
    assert reader_client.get(reverse("desk:source-history", args=[source.pk])).status_code == 403
    source.refresh_from_db()
    assert source.text == REPORT
    assert Source.objects.count() == 1 and SourceRevision.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    for url in (NEW, reverse("desk:source-revise", args=[source.pk]), REVIEW, LIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert paste(client, text="x", title="y").status_code == 302
    assert Source.objects.count() == 1


def test_public_visitors_may_read_the_list_and_a_revision_but_not_edit(client, editor, public_read):
    source = source_create(text=REPORT, title="Report", by=editor)
    assert client.get(LIST).status_code == 200
    response = client.get(reverse("desk:source-revision", args=[source.pk, 1]))
    assert response.status_code == 200
    assert "Revise the text" not in response.content.decode()
    assert client.get(NEW).status_code == 302


def test_posts_without_a_csrf_token_are_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(
        NEW, {"action": "save", "text": "Report text.", "title": "T", "kind": "news_report"}
    )
    assert response.status_code == 403
    assert not Source.objects.exists()
    # The page itself carries the token (and base.html gives it to HTMX in hx-headers).
    page = client.get(NEW).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and "X-CSRFToken" in page


def test_source_delete_only_accepts_post(editor_client, editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    assert editor_client.get(reverse("desk:source-delete", args=[source.pk])).status_code == 405


def test_deleting_a_source_that_claims_rest_on_is_refused_with_409_saying_why(
    editor_client, editor
):
    source = source_create(text=REPORT, title="Report", by=editor)
    claim = Claim.objects.create(statement="Hamas offers to free every hostage")
    Evidence.objects.create(
        claim=claim, passage=mark(source, "release all remaining Israeli hostages")
    )
    response = editor_client.post(
        reverse("desk:source-delete", args=[source.pk]), {"confirmed": "1"}
    )
    assert response.status_code == 409
    assert "Hamas offers to free every hostage" in response.content.decode()
    assert Source.objects.filter(pk=source.pk).exists()


def test_an_unused_source_is_deleted(editor_client, editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    mark(source, "release all remaining Israeli hostages")
    response = editor_client.post(
        reverse("desk:source-delete", args=[source.pk]), {"confirmed": "1"}
    )
    assert response.status_code == 302
    assert not Source.objects.exists()


# --- revising ------------------------------------------------------------------------


def test_correcting_a_word_keeps_the_passages_where_they_belong(editor_client, editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    before = mark(source, "release all remaining Israeli hostages")
    inside = mark(source, "White House advisor Gabe Witkoff")
    dropped = mark(source, "the corrected report drops altogether")
    after = mark(source, "More than 50,000 Palestinians have died")
    claim = Claim.objects.create(statement="Witkoff cut off the talks")
    evidence = Evidence.objects.create(claim=claim, passage=inside)
    revise = reverse("desk:source-revise", args=[source.pk])

    page = editor_client.get(revise)
    assert page.status_code == 200
    assert "Gabe Witkoff" in page.content.decode()

    response = editor_client.post(
        revise, {"text": CORRECTED, "note": "Envoy's name", "base_revision": 1}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:source-revision", args=[source.pk, 2])

    for passage in (before, inside, dropped, after):
        passage.refresh_from_db()
    assert (before.anchor_status, after.anchor_status) == ("anchored", "moved")
    assert inside.anchor_status == "changed" and "Steve Witkoff" in inside.quote
    assert dropped.anchor_status == "orphaned"
    assert Evidence.objects.get(pk=evidence.pk).passage_id == inside.pk
    assert Reanchoring.objects.filter(to_revision__number=2).count() == 4

    outcome = editor_client.get(response["Location"])
    html = outcome.content.decode()
    assert outcome.status_code == 200
    assert "<strong>1</strong> changed" in html and "<strong>1</strong> orphaned" in html
    # What changed inside the passage, word by word, under the label the reading view shows.
    assert "[deleted: </span>Gabe<" in html
    assert "[inserted: </span>Steve<" in html
    assert f'">{inside.label}</a></th>' in html
    assert "not found in this revision" in html
    assert "Revision 2 saved" in html

    review = editor_client.get(REVIEW).content.decode()
    assert "the corrected report drops altogether" in review
    assert "[deleted: </span>Gabe<" in review
    assert f">{inside.label}</a>" in review
    assert "More than 50,000" not in review


def test_a_revision_saved_meanwhile_by_someone_else_is_a_409_conflict(editor_client, editor):
    from dealtracker.sources.services import source_revise

    source = source_create(text=REPORT, title="Report", by=editor)
    source_revise(source=source, new_text=CORRECTED, by=editor)
    response = editor_client.post(
        reverse("desk:source-revise", args=[source.pk]),
        {"text": REPORT + " Mine.", "base_revision": 1},
    )
    assert response.status_code == 409
    assert "saved revision 2 while you were editing" in response.content.decode()
    assert source.revisions.count() == 2


def test_revising_with_the_same_text_makes_no_revision(editor_client, editor):
    source = source_create(text=REPORT, title="Report", by=editor)
    response = editor_client.post(
        reverse("desk:source-revise", args=[source.pk]),
        {"text": REPORT + "\r\n", "base_revision": 1},
    )
    assert response.status_code == 200
    assert "no revision was made" in response.content.decode()
    assert source.revisions.count() == 1


def test_an_oversized_revision_is_refused_with_413(editor_client, editor, settings):
    source = source_create(text=REPORT, title="Report", by=editor)
    settings.SOURCE_MAX_BYTES = len(REPORT) + 10
    response = editor_client.post(
        reverse("desk:source-revise", args=[source.pk]), {"text": REPORT * 2, "base_revision": 1}
    )
    assert response.status_code == 413
    assert source.revisions.count() == 1


def test_an_older_revision_shows_its_own_text_to_readers(reader_client, editor):
    from dealtracker.sources.services import source_revise

    source = source_create(text=REPORT, title="Report", by=editor)
    source_revise(source=source, new_text=CORRECTED, by=editor)
    response = reader_client.get(reverse("desk:source-revision", args=[source.pk, 1]))
    assert response.status_code == 200
    assert "Gabe Witkoff" in response.content.decode()
    assert (
        reader_client.get(reverse("desk:source-revision", args=[source.pk, 3])).status_code == 404
    )


# --- hostile input -------------------------------------------------------------------


def test_hostile_text_title_and_url_are_escaped_on_every_page(editor_client, editor):
    source = source_create(
        text=f"Text with {HOSTILE} inside it.",
        title=f"Title {HOSTILE}",
        outlet=HOSTILE,
        url='https://news.example/a?q="><script>alert(2)</script>',
        by=editor,
    )
    passage = mark(source, "inside it")
    from dealtracker.sources.services import source_revise

    source_revise(source=source, new_text=f"Changed {HOSTILE} text, inside it now.", by=editor)
    pages = [
        LIST,
        reverse("desk:source-revise", args=[source.pk]),
        reverse("desk:source-revision", args=[source.pk, 1]),
        reverse("desk:source-revision", args=[source.pk, 2]),
        reverse("desk:source-history", args=[source.pk]),
        reverse("desk:passage-history", args=[source.pk, passage.pk]),
        REVIEW,
    ]
    for url in pages:
        response = editor_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>" not in html, url
        assert "<img src=x" not in html, url
    # And a hostile duplicate notice on the add page.
    response = paste(
        editor_client,
        text=f"Changed {HOSTILE} text, inside it now.",
        title="x",
        url="https://other.example/",
    )
    assert response.status_code == 409
    assert "<script>" not in response.content.decode()


# --- the list ------------------------------------------------------------------------


@pytest.fixture
def many_sources(editor):
    revisions = []
    sources = Source.objects.bulk_create(
        [
            Source(
                title=f"Report {i}",
                outlet=("Reuters", "AP", "Al Jazeera")[i % 3],
                language=("en", "ar")[i % 2],
                kind=("news_report", "official_statement")[i % 2],
                text=f"Ceasefire report number {i}. Phase two talks.",
                text_hash=f"{i:064d}",
            )
            for i in range(60)
        ]
    )
    for source in sources:
        revisions.append(
            SourceRevision(source=source, number=1, text=source.text, text_hash=source.text_hash)
        )
    revisions = SourceRevision.objects.bulk_create(revisions)
    Passage.objects.bulk_create(
        [
            Passage(
                source=r.source,
                start=0,
                end=8,
                quote="Ceasefir",
                revision_made=r,
                revision_anchored=r,
                needs_review=(i % 5 == 0),
            )
            for i, r in enumerate(revisions)
        ]
    )
    return sources


def test_the_sources_list_pages_and_keeps_its_query_count_bounded(
    reader_client, many_sources, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = reader_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "60 sources" in html
    assert html.count('class="src-row"') == 25
    assert "Page 1 of 3" in html
    with django_assert_max_num_queries(10):
        response = reader_client.get(LIST + "?page=3")
    assert response.content.decode().count('class="src-row"') == 10


def test_the_sources_list_filters_by_kind_language_outlet_and_words(reader_client, many_sources):
    response = reader_client.get(LIST, {"outlet": "AP", "language": "ar"})
    assert response.status_code == 200
    rows = response.context["paging"].page.object_list
    assert rows and all(s.outlet == "AP" and s.language == "ar" for s in rows)
    response = reader_client.get(LIST, {"kind": "official_statement"})
    assert all(s.kind == "official_statement" for s in response.context["paging"].page.object_list)
    response = reader_client.get(LIST, {"q": "Report 17"})
    titles = [s.title for s in response.context["paging"].page.object_list]
    assert "Report 17" in titles


def test_a_bad_filter_value_is_ignored_with_a_notice(reader_client, many_sources):
    response = reader_client.get(LIST, {"kind": "<b>bogus</b>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "was ignored" in html and "<b>bogus</b>" not in html


def test_the_sources_list_answers_htmx_with_the_list_alone(reader_client, many_sources):
    response = reader_client.get(LIST, {"outlet": "Reuters"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="source-list"' in html
    assert "HX-Request" in response.get("Vary", "")


# The sources table's rows as the list's template drew them before desk/source_rows.py.
SOURCE_ROWS_TEMPLATE = """{% for source in paging.page.object_list %}
    <tr class="src-row">
      <th scope="row" class="col-source">
        <a class="src-title" href="{% url 'desk:source-detail' source.pk %}" lang="{{ source.language }}" dir="{% if source.is_rtl %}rtl{% else %}auto{% endif %}">{{ source.title }}</a>
        {% if source.review_count and can_edit %}<span class="badge src-review">{{ source.review_count }} to review</span>{% endif %}
        {% if source.duplicate_of %}<span class="badge src-copy">copy of <a href="{% url 'desk:source-detail' source.duplicate_of.pk %}"><bdi>{{ source.duplicate_of.title }}</bdi></a></span>{% endif %}
      </th>
      <td data-label="Kind">{{ source.get_kind_display }}</td>
      <td data-label="Outlet"{% if not source.outlet %} class="is-empty"{% endif %}>{% if source.outlet %}<bdi>{{ source.outlet }}</bdi>{% else %}—{% endif %}</td>
      <td data-label="Author"{% if not source.author %} class="is-empty"{% endif %}>{% if source.author %}<bdi>{{ source.author }}</bdi>{% else %}—{% endif %}</td>
      <td data-label="Published"{% if not source.published_on %} class="is-empty"{% endif %}>{% if source.published_on %}<time datetime="{{ source.published_on|date:'Y-m-d' }}">{{ source.published_on|date:"j M Y" }}</time>{% else %}—{% endif %}</td>
      <td data-label="Language"><span lang="en">{{ source.language }}</span></td>
      <td data-label="Passages" class="num">{{ source.passage_count }}</td>
      <td data-label="Revisions" class="num">{{ source.revision_count|default:1 }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501


def test_source_rows_drawn_in_python_are_the_templates_rows(
    many_sources, editor, editor_client, reader_client
):
    """Hostile titles, outlets and authors escaped, a right-to-left language, empty
    cells, a date, a copy of another source, passages to review (shown to editors
    only), several revisions: each row is what the template drew, and the list holds
    them all, for an editor and for a reader."""
    from django.template import engines

    from dealtracker.desk.source_rows import source_row_html
    from dealtracker.sources.queries import sources_with_counts

    first, second, third = many_sources[:3]
    Source.objects.filter(pk=first.pk).update(
        title=HOSTILE, outlet=HOSTILE, author=HOSTILE + "&amp;", published_on="2025-10-09"
    )
    Source.objects.filter(pk=second.pk).update(outlet="", author="", duplicate_of=first)
    SourceRevision.objects.create(
        source=third, number=2, text=third.text + " Corrected.", text_hash="f" * 64
    )
    rows = list(
        sources_with_counts(Source.objects.select_related("duplicate_of")).filter(
            pk__in=[s.pk for s in many_sources[:10]]
        )
    )
    assert {row.is_rtl for row in rows} == {True, False}
    assert {row.review_count for row in rows} == {0, 1}
    assert max(row.revision_count for row in rows) == 2
    template = engines["django"].from_string(SOURCE_ROWS_TEMPLATE)
    for can_edit in (True, False):
        drawn = "".join(source_row_html(row, can_edit=can_edit) for row in rows)
        context = {"paging": {"page": {"object_list": rows}}, "can_edit": can_edit}
        assert drawn == template.render(context)
        assert "<script>" not in drawn and "&lt;script&gt;" in drawn
        assert ("to review</span>" in drawn) is can_edit
    assert "copy of" in drawn and "9 Oct 2025" in drawn and 'class="is-empty">—' in drawn
    for client, can_edit in ((editor_client, True), (reader_client, False)):
        page = client.get(LIST).content.decode()
        listed = sources_with_counts(Source.objects.select_related("duplicate_of"))[:25]
        assert "".join(source_row_html(row, can_edit=can_edit) for row in listed) in page


def test_the_review_page_is_bounded_and_answers_htmx(
    editor_client, many_sources, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = editor_client.get(REVIEW)
    assert response.status_code == 200
    assert "12 passages to review" in response.content.decode()
    partial = editor_client.get(REVIEW, {"status": "anchored"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'id="review-list"' in partial.content.decode()


# --- history -------------------------------------------------------------------------


def test_source_history_shows_who_changed_what_and_when(editor_client, editor):
    source = source_create(text=REPORT, title="Old title", by=editor)
    source.title = "New title"
    source._history_user = editor
    source.save()
    response = editor_client.get(reverse("desk:source-history", args=[source.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "source changed" in html and "source created" in html
    assert "<del>Old title</del>" in html and "<ins>New title</ins>" in html
    assert '<span class="who">editor</span>' in html
    assert "<time datetime=" in html
    assert reverse("desk:source-revision", args=[source.pk, 1]) in html


def test_passage_history_records_its_re_anchoring(editor_client, editor):
    from dealtracker.sources.services import source_revise

    source = source_create(text=REPORT, title="Report", by=editor)
    passage = mark(source, "White House advisor Gabe Witkoff")
    source_revise(source=source, new_text=CORRECTED, by=editor)
    response = editor_client.get(reverse("desk:passage-history", args=[source.pk, passage.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "re-anchored to revision 2" in html
    assert "<del>White House advisor Gabe Witkoff</del>" in html
    assert "<del>anchored</del>" in html and "<ins>changed</ins>" in html
    other = source_create(text=CORRECTED + " Other.", title="Other", by=editor)
    assert (
        editor_client.get(reverse("desk:passage-history", args=[other.pk, passage.pk])).status_code
        == 404
    )


def test_claim_history_shows_its_subjects_and_evidence_changes(editor_client, editor):
    israel = Party.objects.create(name="Israel", slug="israel")
    hamas = Party.objects.create(name="Hamas", slug="hamas")
    claim = Claim(statement="Israel refused to honour phase two")
    claim._history_user = editor
    claim.save()
    claim.subjects.set([israel])
    claim.statement = "Israel refused to honor phase two"
    claim._history_user = editor
    claim.save()
    claim.subjects.add(hamas)
    source = source_create(text=REPORT, title="Report", by=editor)
    evidence = Evidence(claim=claim, passage=mark(source, "release all remaining Israeli hostages"))
    evidence._history_user = editor
    evidence.save()

    response = editor_client.get(reverse("desk:claim-history", args=[claim.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>Israel refused to honour phase two</del>" in html
    assert "<ins>Israel refused to honor phase two</ins>" in html
    assert "subject parties" in html and "<ins>Hamas, Israel</ins>" in html
    assert f"evidence {evidence.pk} (passage" in html and "evidence" in html
    assert "release all remaining Israeli hostages" in html


def test_claim_history_query_count_is_bounded(editor_client, editor, django_assert_max_num_queries):
    source = source_create(text=REPORT, title="Report", by=editor)
    claim = Claim.objects.create(statement="A claim")
    for i in range(20):
        claim.statement = f"A claim, take {i}"
        claim.save()
    for quote in ("release all", "Gabe Witkoff", "More than 50,000", "health authorities"):
        Evidence.objects.create(claim=claim, passage=mark(source, quote))
    with django_assert_max_num_queries(14):
        response = editor_client.get(reverse("desk:claim-history", args=[claim.pk]))
    assert response.status_code == 200


def test_history_of_something_that_never_existed_is_404(editor_client):
    assert editor_client.get(reverse("desk:claim-history", args=[999999])).status_code == 404
    assert editor_client.get(reverse("desk:source-history", args=[999999])).status_code == 404


def test_the_source_page_leads_editors_to_revise_and_history_but_not_readers(
    editor_client, reader_client, editor
):
    source = source_create(text=REPORT, title="Report", by=editor)
    detail = reverse("desk:source-detail", args=[source.pk])
    revise = reverse("desk:source-revise", args=[source.pk])
    html = editor_client.get(detail).content.decode()
    assert revise in html and reverse("desk:source-history", args=[source.pk]) in html
    html = reader_client.get(detail).content.decode()
    assert revise not in html
    assert reverse("desk:source-revision", args=[source.pk, 1]) in html


def test_public_visitors_see_sources_but_not_the_review_flags(client, public_read, many_sources):
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Report 59" in html
    assert "to review" not in html


def test_the_claim_page_links_editors_to_its_history(editor_client, reader_client):
    claim = Claim.objects.create(statement="A claim")
    history_url = reverse("desk:claim-history", args=[claim.pk])
    assert history_url in editor_client.get(claim.get_absolute_url()).content.decode()
    assert history_url not in reader_client.get(claim.get_absolute_url()).content.decode()


def test_the_revision_page_keeps_its_query_count_with_many_passages(
    reader_client, editor, django_assert_max_num_queries
):
    from dealtracker.sources.services import source_revise

    text = "\n".join(f"Paragraph {i} says the ceasefire holds in sector {i}." for i in range(80))
    source = source_create(text=text, title="Long report", by=editor)
    for i in range(0, 80, 2):
        mark(source, f"ceasefire holds in sector {i}.")
    source_revise(
        source=source,
        new_text="Intro line.\n" + text.replace("sector 4.", "sector four."),
        by=editor,
    )
    with django_assert_max_num_queries(10):
        response = reader_client.get(reverse("desk:source-revision", args=[source.pk, 2]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>1</strong> changed" in html
    assert "<strong>39</strong> moved" in html


@pytest.mark.parametrize("q", ['"', "!!! &&", "<script>", "ceasefire | (", "x" * 200])
def test_odd_search_words_never_break_the_sources_list(reader_client, many_sources, q):
    response = reader_client.get(LIST, {"q": q})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_searching_the_sources_list_finds_words_of_the_text(reader_client, many_sources):
    # Stemmed with each row's own language: the English reports match "ceasefires".
    response = reader_client.get(LIST, {"q": "ceasefires", "language": "en"})
    assert response.context["paging"].page.paginator.count == 30


def test_a_paste_just_over_the_limit_gets_the_clear_413_not_a_bare_400(editor_client, settings):
    # Arabic text: two bytes a character, so well past the byte limit in characters.
    text = "وقف إطلاق النار " * (settings.SOURCE_MAX_BYTES // 29 * 13 // 10)
    assert len(text.encode()) > 2_500_000  # past Django's default request-size guard
    response = editor_client.post(NEW, {"action": "save", "text": text, "title": "Long"})
    assert response.status_code == 413
    assert "the limit is" in response.content.decode()


def test_reading_a_file_already_here_says_so_before_saving(editor_client, editor):
    existing = source_create(
        text="Le cessez-le-feu a été prolongé à Gaza.", title="Trêve", by=editor
    )
    upload = SimpleUploadedFile(
        "report.txt", "Le cessez-le-feu a été prolongé à Gaza.".encode(), "text/plain"
    )
    response = editor_client.post(NEW, {"action": "read", "upload": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This report is already here" in html
    assert reverse("desk:source-detail", args=[existing.pk]) in html


def test_passage_and_source_history_keep_their_query_count_after_many_revisions(
    editor_client, editor, django_assert_max_num_queries
):
    from dealtracker.sources.services import source_revise

    source = source_create(text=REPORT, title="Report", by=editor)
    passage = mark(source, "More than 50,000 Palestinians have died")
    claim = Claim.objects.create(statement="The toll passed 50,000")
    Evidence.objects.create(claim=claim, passage=passage)
    for i in range(8):
        source_revise(source=source, new_text=f"Update {i}.\n" + REPORT, by=editor)
        source.title = f"Report, take {i}"
        source.save()
    with django_assert_max_num_queries(12):
        response = editor_client.get(reverse("desk:passage-history", args=[source.pk, passage.pk]))
    assert response.status_code == 200
    assert "re-anchored to revision 9" in response.content.decode()
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("desk:source-history", args=[source.pk]))
    assert response.status_code == 200
    assert "Report, take 7" in response.content.decode()


# --- addresses and outlets a file gives about itself (issue 12) ---------------------

MARKUP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<base href="https://base.example/">
<link rel="canonical" href="https://any-host.example/story">
<meta property="og:site_name" content="Outlet From Markup">
<title>Truce holds</title></head><body><article><h1>Truce holds</h1>
<p>The second phase of the agreement was supposed to begin on March 2, officials said on Monday.</p>
<p>Mediators in Cairo said talks on the next phase would resume within days, according to the report.</p>
</article></body></html>"""


def test_an_address_and_outlet_from_a_files_markup_are_shown_for_confirmation_before_saving(
    editor_client,
):
    upload = SimpleUploadedFile("page.html", MARKUP_PAGE.encode(), "text/html")
    response = editor_client.post(NEW, {"action": "save", "upload": upload, "kind": "news_report"})
    assert response.status_code == 200
    assert not Source.objects.exists()  # a direct save stores nothing the editor has not seen
    page = response.content.decode()
    assert "Check what the file says about itself" in page
    assert "https://any-host.example/story" in page and "Outlet From Markup" in page
    values = form_values(page, css_class="src-form", press=("action", "save"))
    # The editor corrects the address before saving: what is stored is what they confirmed.
    values["url"] = "https://news.example/truce-holds"
    saved = editor_client.post(NEW, values)
    assert saved.status_code == 302
    source = Source.objects.get()
    assert (source.url, source.outlet) == ("https://news.example/truce-holds", "Outlet From Markup")


def test_a_files_markup_naming_a_non_web_address_is_not_offered(editor_client):
    page = MARKUP_PAGE.replace("https://any-host.example/story", "javascript:alert(1)").replace(
        '<base href="https://base.example/">', '<base href="file:///etc/passwd">'
    )
    upload = SimpleUploadedFile("page.html", page.encode(), "text/html")
    response = editor_client.post(NEW, {"action": "read", "upload": upload})
    html = response.content.decode()
    assert response.status_code == 200
    values = form_values(html, css_class="src-form")
    assert not values.get("url", "").startswith(("javascript", "file"))
    assert "javascript:alert" not in values.get("url", "")


def test_a_source_url_that_is_not_http_is_refused_by_the_service(editor):
    from django.core.exceptions import ValidationError

    for url in ("ftp://files.example/report.txt", "file:///etc/passwd", "https:///no-host"):
        with pytest.raises(ValidationError):
            source_create(text="The truce holds.", title="T", url=url, by=editor)
    assert not Source.objects.exists()


# --- a list counted up to its cap --------------------------------------------------------


def test_past_the_count_cap_the_sources_list_says_more_than_and_still_pages_on(
    reader_client, many_sources, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("dealtracker.desk.paging.COUNT_CAP", 30)
    with django_assert_max_num_queries(10):
        html = reader_client.get(LIST).content.decode()
    assert "more than 30 sources" in html and "60 sources" not in html
    assert '<span class="page-of">Page 1</span>' in html  # no "of N": the count stopped
    seen = []
    path = LIST
    for _ in range(5):  # follow the next links to the end
        response = reader_client.get(path)
        seen += [s.title for s in response.context["paging"].page.object_list]
        next_url = response.context["paging"].next_url
        if not next_url:
            break
        path = LIST + next_url
    assert len(seen) == 60 == len(set(seen)), "every source once, newest first"
    assert seen[0] == "Report 59" and seen[-1] == "Report 0"
    # A page past the end gives the last page, not an empty one or an error.
    response = reader_client.get(LIST, {"page": 99})
    assert response.status_code == 200
    assert response.context["paging"].page.number == 3
    assert len(response.context["paging"].page.object_list) == 10


def test_under_the_cap_the_count_is_exact(reader_client, many_sources, monkeypatch):
    monkeypatch.setattr("dealtracker.desk.paging.COUNT_CAP", 60)
    html = reader_client.get(LIST).content.decode()
    assert "60 sources" in html and "Page 1 of 3" in html


def test_each_row_counts_its_passages_once_and_its_revisions(
    reader_client, editor, client, public_read
):
    source = source_create(title="Counted", text="One two three. Four five six.", by=editor)
    revision = source.revisions.get()
    passages = [
        Passage.objects.create(
            source=source,
            start=a,
            end=b,
            quote=source.text[a:b],
            revision_made=revision,
            revision_anchored=revision,
        )
        for a, b in ((0, 14), (15, 29))
    ]
    for n in range(3):  # three published claims on the first passage
        claim = Claim.objects.create(
            statement=f"Claim {n}", is_published=True, published_at=timezone.now()
        )
        Evidence.objects.create(claim=claim, passage=passages[0])
    SourceRevision.objects.create(
        source=source, number=2, text=source.text, text_hash=source.text_hash
    )

    def row(c):
        rows = c.get(LIST).context["paging"].page.object_list
        (mine,) = [s for s in rows if s.pk == source.pk]
        return mine.passage_count, mine.revision_count

    assert row(reader_client) == (2, 2)
    assert row(client) == (1, 2)  # the public: the passage a published claim rests on, once
