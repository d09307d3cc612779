"""PDF and Word files to canonical text: paragraphs, hyphenation, running headers, pages, limits.

Every file is made by the test (reportlab, python-docx) and read the way an
upload is: in the child process, within limits.
"""

from __future__ import annotations

import pytest

from dealtracker.sources.canonical import canonicalize
from dealtracker.sources.documents import (
    DocumentError,
    Limits,
    extract_document,
    join_lines,
    page_at,
)
from tests import documents as files

LIMITS = Limits()

AGREEMENT_PAGES = [
    [
        [
            "Article 1. The parties agree to a ceasefire in Gaza from 08:30 on",
            "19 January 2025, with nego-",
            "tiations on the second phase.",
        ],
        ["1.1 Israeli forces withdraw from the populated areas of the Strip."],
    ],
    [
        ["Article 2. Thirty-three hostages are released during the first phase."],
        ["(a) The Egypt-", "Qatar guarantors follow the releases."],
    ],
    [["Article 3. Humanitarian aid enters at 600 trucks a day."]],
]


def read_pdf(data: bytes, limits: Limits = LIMITS):
    return extract_document(data, "pdf", limits=limits)


def test_pdf_text_keeps_paragraphs_and_joins_hyphenated_words():
    doc = read_pdf(files.pdf_report(AGREEMENT_PAGES, header="Ceasefire agreement — summary"))
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == (
        "Article 1. The parties agree to a ceasefire in Gaza from 08:30 on 19 January 2025, "
        "with negotiations on the second phase."
    )
    assert "1.1 Israeli forces withdraw from the populated areas of the Strip." in paragraphs
    # A capitalised continuation is a hyphenated name, not a broken word.
    assert "(a) The Egypt-Qatar guarantors follow the releases." in paragraphs
    assert doc.text == canonicalize(doc.text)


def test_pdf_running_headers_and_page_numbers_are_dropped():
    doc = read_pdf(files.pdf_report(AGREEMENT_PAGES, header="Ceasefire agreement — summary"))
    assert "Ceasefire agreement" not in doc.text
    assert "- 2 -" not in doc.text and "\n2\n" not in doc.text
    assert doc.page_count == 3


def test_pdf_records_where_each_page_starts():
    doc = read_pdf(files.pdf_report(AGREEMENT_PAGES, header="Summary"))
    assert len(doc.page_starts) == 3
    assert doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith("Article 2.")
    assert doc.text[doc.page_starts[2] :].startswith("Article 3.")
    assert page_at(doc.page_starts, doc.text.index("600 trucks")) == 3
    assert page_at(doc.page_starts, doc.text.index("Egypt-Qatar")) == 2
    assert page_at(doc.page_starts, 0) == 1


def test_pdf_metadata_fills_title_and_author():
    doc = read_pdf(files.pdf_report(AGREEMENT_PAGES, title="Gaza situation report 12"))
    assert doc.title == "Gaza situation report 12"
    assert doc.author.startswith("UN Office")


def test_a_two_column_page_reads_one_column_after_the_other():
    data = files.pdf_two_columns(
        left=[
            ["The left column opens the report and", "runs on to a second line."],
            ["Its second paragraph."],
        ],
        right=[["The right column continues it", "on the same page."], ["And ends it."]],
        heading="Monitoring report",
    )
    doc = read_pdf(data)
    assert doc.text.split("\n\n") == [
        "Monitoring report",
        "The left column opens the report and runs on to a second line.",
        "Its second paragraph.",
        "The right column continues it on the same page.",
        "And ends it.",
    ]


def test_an_arabic_pdf_comes_out_as_arabic_text_with_its_pages():
    pages = [
        [
            "وقف إطلاق النار في غزة يبدأ صباح التاسع عشر من يناير",
            "الإفراج عن ثلاثة وثلاثين رهينة في المرحلة الأولى",
        ],
        ["انسحاب القوات الإسرائيلية من المناطق المأهولة"],
    ]
    doc = read_pdf(files.pdf_arabic(pages))
    assert doc.text.split("\n\n") == [*pages[0], *pages[1]]
    # The running title at the top of each page and the page numbers are gone.
    assert "ملخص" not in doc.text
    assert page_at(doc.page_starts, doc.text.index("انسحاب")) == 2


def test_a_scanned_pdf_is_refused_with_a_clear_message():
    with pytest.raises(DocumentError, match="no text layer.*scan.*no OCR"):
        read_pdf(files.pdf_scanned())


def test_a_damaged_pdf_is_refused():
    with pytest.raises(DocumentError, match="damaged"):
        read_pdf(files.pdf_damaged())


def test_a_file_that_is_not_a_pdf_is_refused():
    with pytest.raises(DocumentError, match="not a PDF"):
        read_pdf(b"<html>not a pdf</html>")


def test_a_password_protected_pdf_is_refused():
    with pytest.raises(DocumentError, match="encrypted with a password"):
        read_pdf(files.pdf_encrypted())


def test_a_pdf_over_the_page_limit_is_refused():
    data = files.pdf_report([[["A short page of the long report."]]] * 6)
    with pytest.raises(DocumentError, match="6 pages; the limit is 5"):
        read_pdf(data, Limits(max_pages=5))


def test_a_pdf_whose_text_is_too_long_is_refused():
    with pytest.raises(DocumentError, match="longer than the limit of 100 characters"):
        read_pdf(files.pdf_report(AGREEMENT_PAGES), Limits(max_text_chars=100))


def test_a_pdf_stream_inflating_past_the_memory_cap_ends_only_the_child_process():
    # 600 MiB of content from a ~600 KiB file, read with a 300 MiB cap.
    data = files.pdf_inflating(600)
    assert len(data) < 1_000_000
    with pytest.raises(DocumentError, match="could not be read within the limits"):
        read_pdf(data, Limits(memory_mb=300))
    # The worker is still here and reads the next file.
    assert read_pdf(files.pdf_report(AGREEMENT_PAGES)).page_count == 3


def test_a_deeply_nested_pdf_does_not_take_the_reader_down():
    with pytest.raises(DocumentError):
        read_pdf(files.pdf_deeply_nested(200_000))


def test_a_reader_past_its_time_is_stopped():
    # 120 dense pages take seconds to lay out (about 2 s for 50 on a quiet
    # two-core machine): far past 0.3 s on any machine this suite runs on.
    line = "The parties agree to a complete ceasefire on all fronts, effective at dawn."
    dense = files.pdf_report([[[line] * 48]] * 120)
    with pytest.raises(DocumentError, match="could not be read within the limits"):
        read_pdf(dense, Limits(timeout_seconds=0.3, max_text_chars=10**7))


# --- Word ----------------------------------------------------------------------------


def read_docx(data: bytes, limits: Limits = LIMITS):
    return extract_document(data, "docx", limits=limits)


def test_docx_keeps_headings_paragraphs_numbers_and_page_breaks():
    data = files.docx_document(
        [
            ("Title", "Agreement on a ceasefire"),
            ("Heading 1", "Phase one"),
            ("List Number", "A ceasefire begins on 19 January 2025."),
            ("List Number", "Israeli forces withdraw from populated areas."),
            ("page", ""),
            ("Heading 1", "Phase two"),
            ("Normal", "Negotiations on a permanent ceasefire begin by day 16."),
        ],
        title="Agreement on a ceasefire",
        language="en-GB",
    )
    doc = read_docx(data)
    assert doc.text.split("\n\n") == [
        "Agreement on a ceasefire",
        "Phase one",
        "1. A ceasefire begins on 19 January 2025.",
        "2. Israeli forces withdraw from populated areas.",
        "Phase two",
        "Negotiations on a permanent ceasefire begin by day 16.",
    ]
    assert doc.page_starts == [0, doc.text.index("Phase two")]
    assert doc.title == "Agreement on a ceasefire"
    assert doc.language == "en"


def test_docx_without_page_breaks_claims_no_pages():
    doc = read_docx(files.docx_document([("Normal", "One paragraph, no pages known.")]))
    assert doc.page_starts == []


def test_an_arabic_docx_is_read():
    doc = read_docx(files.docx_document([("Normal", "وقف إطلاق النار في غزة")], language="ar"))
    assert doc.text == "وقف إطلاق النار في غزة"
    assert doc.language == "ar"


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated():
    data = files.docx_bomb(megabytes=40)
    assert len(data) < 200_000
    with pytest.raises(DocumentError, match="zip bomb"):
        read_docx(data)


def test_a_docx_unpacking_past_the_total_limit_is_refused():
    data = files.docx_document([("Normal", "x " * 50_000)])
    with pytest.raises(DocumentError, match="unpacks to .* bytes; the limit is 10,000"):
        read_docx(data, Limits(max_unzipped_bytes=10_000))


def test_a_damaged_docx_is_refused():
    data = files.docx_document([("Normal", "A report.")])
    with pytest.raises(DocumentError, match="not a valid zip archive|damaged"):
        read_docx(data[: len(data) // 2])


def test_a_zip_that_is_not_a_word_document_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(DocumentError, match="not a Word document"):
        read_docx(buffer.getvalue())


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["cease-", "fire talks"], "ceasefire talks"),
        (["Egypt-", "Qatar proposal"], "Egypt-Qatar proposal"),
        (["soft\u00ad", "hyphen"], "softhyphen"),
        (["line one", "line two"], "line one line two"),
        (["phase 2-", "3 overlap"], "phase 2- 3 overlap"),
    ],
)
def test_join_lines(lines, joined):
    assert join_lines(lines) == joined


def test_a_docx_with_an_entity_bomb_is_not_expanded():
    import io
    import zipfile

    base = zipfile.ZipFile(io.BytesIO(files.docx_document([("Normal", "PLACEHOLDER")])))
    entities = b'<!ENTITY e0 "lollollollol">' + b"".join(
        b'<!ENTITY e%d "%s">' % (n, b"&e%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in base.infolist():
            data = base.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, rest = data.partition(b"?>")
                data = head + b"?><!DOCTYPE w:document [" + entities + b"]>" + rest
                data = data.replace(b"PLACEHOLDER", b"&e9;")
            archive.writestr(item, data)
    try:
        doc = read_docx(out.getvalue())
    except DocumentError:
        return  # refused is fine; expanded (a billion "lol"s) is not
    assert len(doc.text) < 1000
