"""PDF and Word uploads in the desk: the text, its pages, the original kept and downloadable."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealtracker.sources.models import Source, SourceDocument
from dealtracker.sources.passages import passage_mark
from dealtracker.sources.services import document_storage, source_revise
from tests import documents as files

pytestmark = pytest.mark.django_db

NEW = reverse("desk:source-new")

PAGES = [
    [
        [
            "Situation report 12. Fuel deliveries resumed on 20 January, with",
            "trucks entering at Kerem Shalom.",
        ]
    ],
    [["On the second page: 4,200 trucks of aid entered in the first week."]],
    [["On the third page: the Netzarim corridor opened to pedestrians on 27 January."]],
]


def pdf_upload(data: bytes | None = None, name: str = "sitrep-12.pdf"):
    data = (
        data if data is not None else files.pdf_report(PAGES, header="OCHA Gaza", title="Sitrep 12")
    )
    return SimpleUploadedFile(name, data, "application/pdf")


def upload(client, file, **fields):
    return client.post(
        NEW, {"action": "save", "upload": file, "kind": "ngo_report", "language": "en", **fields}
    )


def test_editor_uploads_a_pdf_and_gets_its_text_pages_and_original(editor_client, editor):
    data = files.pdf_report(PAGES, header="OCHA Gaza", title="Sitrep 12")
    response = upload(editor_client, pdf_upload(data))
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.title == "Sitrep 12"  # from the PDF's metadata
    assert "OCHA Gaza" not in source.text
    revision = source.revisions.get()
    assert len(revision.page_starts) == 3
    assert revision.page_at(source.text.index("Netzarim")) == 3
    document = source.documents.get()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.content_type == "application/pdf"
    assert document.page_count == 3
    assert document.filename == "sitrep-12.pdf"
    assert document.revision == revision
    assert document.created_by == editor
    with document_storage().open(document.storage_name, "rb") as handle:
        assert handle.read() == data


def test_the_same_file_uploaded_twice_is_one_source(editor_client):
    data = files.pdf_report(PAGES, title="Sitrep 12")
    first = upload(editor_client, pdf_upload(data))
    again = upload(
        editor_client, pdf_upload(data, name="copy-of-sitrep.pdf"), title="Another title"
    )
    source = Source.objects.get()
    assert again.status_code == 302
    assert again["Location"] == first["Location"] == source.get_absolute_url()
    assert SourceDocument.objects.count() == 1


def test_read_then_save_keeps_the_original_and_pages_follow_a_corrected_text(editor_client):
    read = editor_client.post(
        NEW, {"action": "read", "upload": pdf_upload(), "kind": "ngo_report", "language": "en"}
    )
    assert read.status_code == 200
    html = read.content.decode()
    assert "Original kept: <strong><bdi>sitrep-12.pdf</bdi></strong>" in html
    assert "3 pages" in html
    form = read.context["form"]
    text, token = form.initial["text"], form.initial["document"]
    assert token and 'name="document"' in html
    # The editor corrects a word on page 1 before saving: 20 January -> 21 January, and adds a line.
    corrected = text.replace("20 January", "twenty-first of January")
    response = editor_client.post(
        NEW,
        {
            "action": "save",
            "text": corrected,
            "document": token,
            "title": "Sitrep 12",
            "kind": "ngo_report",
            "language": "en",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.text == corrected
    revision = source.revisions.get()
    assert revision.page_at(corrected.index("On the second page")) == 2
    assert revision.page_at(corrected.index("On the third page")) == 3
    assert revision.page_at(corrected.index("twenty-first")) == 1
    assert source.documents.get().page_count == 3


def test_a_forged_document_reference_is_refused(editor_client):
    response = editor_client.post(
        NEW,
        {
            "action": "save",
            "text": "Some text.",
            "document": "forged",
            "title": "T",
            "language": "en",
        },
    )
    assert response.status_code == 422
    assert "not valid: upload it again" in response.content.decode()
    assert not Source.objects.exists()


def test_a_scanned_pdf_upload_is_refused_with_a_clear_message(editor_client):
    response = upload(editor_client, pdf_upload(files.pdf_scanned(), name="scan.pdf"), title="Scan")
    assert response.status_code == 422
    assert "no text layer" in response.content.decode()
    assert "no OCR" in response.content.decode()
    assert not Source.objects.exists()


def test_a_damaged_pdf_upload_is_refused(editor_client):
    response = upload(editor_client, pdf_upload(files.pdf_damaged(), name="cut.pdf"), title="Cut")
    assert response.status_code == 422
    assert "damaged" in response.content.decode()


def test_a_pdf_over_the_size_limit_is_refused_with_413(editor_client, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    response = upload(editor_client, pdf_upload(), title="Big")
    assert response.status_code == 413
    assert "the limit is 1,000 bytes" in response.content.decode()


def test_a_docx_upload_keeps_its_numbering_and_original(editor_client):
    data = files.docx_document(
        [
            ("Heading 1", "Article 1"),
            ("List Number", "A ceasefire begins."),
            ("page", ""),
            ("Normal", "Annex."),
        ],
        title="Word agreement",
    )
    file = SimpleUploadedFile(
        "agreement.docx",
        data,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert upload(editor_client, file, kind="agreement_text").status_code == 302
    source = Source.objects.get()
    assert source.text == "Article 1\n\n1. A ceasefire begins.\n\nAnnex."
    assert source.revisions.get().page_starts == [0, source.text.index("Annex.")]
    assert source.documents.get().filename == "agreement.docx"


# --- reading and downloading ------------------------------------------------------------


@pytest.fixture
def pdf_source(editor_client):
    upload(editor_client, pdf_upload())
    return Source.objects.get()


def test_reading_view_shows_the_pages_and_the_original(reader_client, pdf_source):
    response = reader_client.get(pdf_source.get_absolute_url())
    html = response.content.decode()
    for number in (1, 2, 3):
        assert f'id="page-{number}" data-page="{number}"' in html
    document = pdf_source.documents.get()
    assert reverse("desk:source-document", args=[pdf_source.pk]) in html
    assert document.sha256 in html


def test_the_page_markers_add_no_characters_to_the_text(reader_client, pdf_source):
    import re

    html = reader_client.get(pdf_source.get_absolute_url()).content.decode()
    region = re.search(r'<div id="source-text"[^>]*>(.*?)</div>', html, re.S).group(1)
    from html import unescape

    assert unescape(re.sub(r"<[^>]+>", "", region)) == pdf_source.text


def test_a_passage_shows_its_page(reader_client, editor, pdf_source):
    start = pdf_source.text.index("4,200 trucks")
    marked = passage_mark(source=pdf_source, start=start, end=start + 12, by=editor)
    url = reverse("desk:passage-detail", args=[pdf_source.pk, marked.passage.pk])
    html = reader_client.get(url).content.decode()
    assert '<a class="page-ref" href="#page-2">p. 2</a>' in html


def test_reader_downloads_the_original_with_its_checksum(reader_client, pdf_source):
    document = pdf_source.documents.get()
    response = reader_client.get(reverse("desk:source-document", args=[pdf_source.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(document.size)
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    assert 'filename="sitrep-12.pdf"' in response["Content-Disposition"]


def test_anonymous_visitors_download_only_in_public_read_mode(client, pdf_source, settings):
    url = reverse("desk:source-document", args=[pdf_source.pk])
    settings.PUBLIC_READ = False
    assert client.get(url).status_code == 302
    settings.PUBLIC_READ = True
    assert client.get(url).status_code == 200


def test_a_source_without_an_original_has_no_download(reader_client, editor):
    from dealtracker.sources.services import source_create

    source = source_create(text="Pasted report.", title="Pasted", by=editor)
    assert reader_client.get(reverse("desk:source-document", args=[source.pk])).status_code == 404


def test_revising_the_text_carries_the_pages_over(editor, pdf_source):
    old = pdf_source.text
    new = "A correction note added at the top.\n\n" + old.replace("4,200", "4,300")
    outcome = source_revise(source=pdf_source, new_text=new, by=editor)
    revision = outcome.revision
    assert revision.page_at(new.index("4,300")) == 2
    assert revision.page_at(new.index("Netzarim")) == 3
    assert revision.page_starts[0] == 0


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd.pdf", "etc passwd.pdf"),
        ('report "final"\r\nX-Injected: 1.pdf', 'report "final" X-Injected: 1.pdf'),
        ("اتفاق وقف إطلاق النار.docx", "اتفاق وقف إطلاق النار.docx"),
        ("no suffix", "no suffix.pdf"),
    ],
)
def test_an_uploaded_files_name_is_kept_safe(name, kept):
    from dealtracker.sources.services import document_filename

    assert document_filename(name, "docx" if name.endswith(".docx") else "pdf") == kept


def test_a_hostile_file_name_is_sent_back_in_one_header(reader_client, editor):
    from dealtracker.sources.services import document_store, source_create

    data = files.pdf_report(PAGES)
    stored = document_store(data=data, filename='a "quoted"\nname é.pdf', fmt="pdf")
    source = source_create(text="Text of it.", title="T", by=editor, document=stored)
    response = reader_client.get(reverse("desk:source-document", args=[source.pk]))
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
    assert "name" in response["Content-Disposition"]
