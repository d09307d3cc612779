"""Text and metadata from what an editor brings: plain text, HTML, Markdown."""

from __future__ import annotations

import datetime

import pytest

from dealtracker.sources.canonical import canonicalize
from dealtracker.sources.extract import (
    ExtractError,
    decode_text,
    extract,
    format_for_filename,
    format_for_media_type,
)

ARTICLE_HTML = """<!doctype html>
<html lang="ar"><head><meta charset="utf-8">
<title>Page title | The Outlet</title>
<meta property="og:title" content="هدنة غزة: المرحلة الثانية">
<meta name="author" content="Reem Haddad">
<meta property="og:site_name" content="The Outlet">
<meta property="article:published_time" content="2025-03-02">
<script>var tracking = "do not keep me";</script>
</head><body>
<header><a href="/">Home</a><a href="/subscribe">Subscribe now</a></header>
<article>
<h1>هدنة غزة: المرحلة الثانية</h1>
<p>كان من المفترض أن تبدأ المرحلة الثانية من الاتفاق في الثاني من آذار، وأن تؤدي إلى وقف كامل للأعمال العدائية.</p>
<p>وقال مسؤول فلسطيني إن الحركة مستعدة لإطلاق سراح جميع الرهائن إذا أنهت إسرائيل الحرب وانسحبت من القطاع.</p>
</article>
<aside>Related: ten other stories</aside>
</body></html>"""


def test_html_is_reduced_to_the_article_text_with_its_metadata():
    document = extract(ARTICLE_HTML.encode(), "html")
    assert document.title == "هدنة غزة: المرحلة الثانية"
    assert document.author == "Reem Haddad"
    assert document.outlet == "The Outlet"
    assert document.published_on == datetime.date(2025, 3, 2)
    assert document.language == "ar"
    assert "المرحلة الثانية من الاتفاق" in document.text
    assert "إطلاق سراح جميع الرهائن" in document.text
    for boilerplate in ("Subscribe now", "tracking", "ten other stories"):
        assert boilerplate not in document.text
    # The headline is the title, not the first line of the text.
    assert not document.text.startswith("هدنة غزة")


def test_html_in_a_legacy_charset_is_decoded_by_its_meta_declaration():
    html = (
        '<html><head><meta charset="windows-1252"><title>Café talks</title></head>'
        "<body><article><p>Négociations à Doha : le cessez-le-feu prévoit une libération des otages "
        "en échange de prisonniers, selon un médiateur qatari.</p></article></body></html>"
    ).encode("cp1252")
    document = extract(html, "html")
    assert "Négociations à Doha" in document.text


def test_a_bare_html_fragment_still_gives_its_text():
    document = extract(b"<p>Short note: <b>phase two</b> is late.</p>", "html")
    assert "phase two" in document.text


def test_html_without_words_is_refused():
    with pytest.raises(ExtractError, match="No text"):
        extract(b"<html><body><script>alert(1)</script></body></html>", "html")


def test_markdown_markup_is_dropped_and_front_matter_fills_the_metadata():
    source = """---
title: "Truce talks stall"
author: Sam Writer
outlet: Wire Service
date: 2025-02-05
lang: en
---
# Truce talks stall

Negotiations on **phase two** were supposed to begin in *early February*, says
[the official](https://example.org/official).

- Hamas will release all hostages
- Israel must withdraw

<script>alert("x")</script>

> A quoted line.
"""
    document = extract(source.encode(), "markdown")
    assert document.title == "Truce talks stall"
    assert document.author == "Sam Writer"
    assert document.outlet == "Wire Service"
    assert document.published_on == datetime.date(2025, 2, 5)
    assert document.language == "en"
    text = canonicalize(document.text)
    assert (
        "Negotiations on phase two were supposed to begin in early February, says the official."
        in text
    )
    assert "Hamas will release all hostages\n\nIsrael must withdraw" in text
    assert "A quoted line." in text
    for markup in ("**", "](", "<script", "---", "# "):
        assert markup not in text


def test_markdown_without_front_matter_takes_its_first_heading_as_title():
    document = extract(
        b"# The headline\n\nBody text of the report.\n\n## A section\n\nMore.", "markdown"
    )
    assert document.title == "The headline"
    assert document.text.startswith("Body text of the report.")
    assert "A section" in document.text


def test_text_files_are_decoded_as_utf8_then_legacy_charsets():
    assert decode_text("Witkoff’s “envoy” — café".encode()) == "Witkoff’s “envoy” — café"
    assert decode_text("\ufeffBOM first".encode()) == "BOM first"
    assert decode_text("Le cessez-le-feu a été prolongé à Gaza".encode("cp1252")) == (
        "Le cessez-le-feu a été prolongé à Gaza"
    )
    document = extract("line one\r\nline two".encode("utf-16"), "text")
    assert "line two" in document.text


def test_formats_are_known_by_suffix_and_media_type():
    assert format_for_filename("report.TXT") == "text"
    assert format_for_filename("page.htm") == "html"
    assert format_for_filename("notes.md") == "markdown"
    assert format_for_filename("agreement.PDF") == "pdf"
    assert format_for_filename("agreement.docx") == "docx"
    with pytest.raises(ExtractError, match=r"\.txt, \.html, \.md, \.pdf or \.docx"):
        format_for_filename("report.odt")
    assert format_for_media_type("text/html; charset=utf-8") == "html"
    assert format_for_media_type("application/pdf") == "pdf"
    assert format_for_media_type("application/msword") is None


def test_xhtml_with_an_xml_declaration_and_a_server_declared_charset_is_read():
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de"><head><title>Waffenruhe</title></head>'
        "<body><article><p>Die Waffenruhe in Gaza gilt seit Sonntag; die Geiseln sollen in drei Phasen "
        "freikommen, sagten die Vermittler aus Ägypten und Katar.</p></article></body></html>"
    ).encode("iso-8859-1")
    document = extract(page, "html", declared_charset="iso-8859-1")
    assert "Vermittler aus Ägypten und Katar" in document.text
    assert document.language == "de"
