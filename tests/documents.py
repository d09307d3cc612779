"""Real PDF and Word files, made by the tests: reportlab writes the PDFs, python-docx the DOCX.

Each maker returns the file's bytes. The Arabic PDF needs a font with Arabic
glyphs: DejaVu Sans (Debian's fonts-dejavu-core, which .ci/run installs).
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

import pytest

DEJAVU_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)

PAGE_W, PAGE_H = 595, 842  # A4 in points


def dejavu_or_skip() -> str:
    for path in DEJAVU_PATHS:
        if Path(path).exists():
            return path
    reason = "DejaVu Sans (fonts-dejavu-core) is not installed: no font with Arabic glyphs"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _canvas():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    return buffer, canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), pageCompression=1)


def _running(c, page: int, *, header: str, footer_number: bool = True) -> None:
    c.setFont("Helvetica", 8)
    c.drawString(72, PAGE_H - 36, header)
    if footer_number:
        c.drawCentredString(PAGE_W / 2, 30, f"- {page} -")


def _lines(c, x: float, y: float, lines: list[str], *, size: int = 11, leading: int = 14) -> float:
    c.setFont("Helvetica", size)
    for line in lines:
        c.drawString(x, y, line)
        y -= leading
    return y


def pdf_report(pages: list[list[list[str]]], *, header: str = "", title: str = "") -> bytes:
    """A PDF of pages of paragraphs (each a list of lines), with a running header and page numbers."""
    buffer, c = _canvas()
    if title:
        c.setTitle(title)
        c.setAuthor("UN Office for the Coordination of Humanitarian Affairs")
    for number, paragraphs in enumerate(pages, 1):
        if header:
            _running(c, number, header=header)
        y = PAGE_H - 90
        for paragraph in paragraphs:
            y = _lines(c, 72, y, paragraph) - 14
        c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_two_columns(left: list[list[str]], right: list[list[str]], *, heading: str) -> bytes:
    """One page: a heading across the page, then two columns of paragraphs."""
    buffer, c = _canvas()
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, PAGE_H - 80, heading)
    for x, paragraphs in ((72, left), (320, right)):
        y = PAGE_H - 120
        for paragraph in paragraphs:
            y = _lines(c, x, y, paragraph, size=10, leading=13) - 13
    c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_arabic(pages: list[list[str]]) -> bytes:
    """Arabic paragraphs, one line each, in DejaVu Sans (characters in logical order)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", dejavu_or_skip()))
    buffer, c = _canvas()
    for number, paragraphs in enumerate(pages, 1):
        c.setFont("DejaVuSans", 8)
        c.drawRightString(PAGE_W - 72, PAGE_H - 36, "اتفاق وقف إطلاق النار — ملخص")
        c.drawCentredString(PAGE_W / 2, 30, str(number))
        y = PAGE_H - 90
        c.setFont("DejaVuSans", 12)
        for paragraph in paragraphs:
            c.drawRightString(PAGE_W - 72, y, paragraph)
            y -= 30
        c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_scanned(pages: int = 2) -> bytes:
    """Pages that are only pictures (a scan): no text layer."""
    from reportlab.lib.utils import ImageReader

    png = _grey_png(200, 280)
    buffer, c = _canvas()
    for _ in range(pages):
        c.drawImage(ImageReader(io.BytesIO(png)), 0, 0, PAGE_W, PAGE_H)
        c.showPage()
    c.save()
    return buffer.getvalue()


def _grey_png(width: int, height: int) -> bytes:
    """A small greyscale PNG written by hand (no imaging library needed)."""
    import struct

    raw = b"".join(
        b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf_encrypted(user_password: str = "secret") -> bytes:
    from reportlab.lib import pdfencrypt

    buffer = io.BytesIO()
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(
        buffer,
        pagesize=(PAGE_W, PAGE_H),
        encrypt=pdfencrypt.StandardEncryption(
            user_password, ownerPassword="owner-" + user_password
        ),
    )
    _lines(c, 72, PAGE_H - 90, ["A confidential monitoring report with enough words to read."])
    c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_damaged() -> bytes:
    """A PDF cut off after its first kilobyte, and its header kept."""
    whole = pdf_report([[["A report that will be cut short by a failed download."]]] * 3)
    return whole[: len(whole) // 3]


def pdf_inflating(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` of spaces."""
    stream = zlib.compress(b" " * (megabytes * 1024 * 1024), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _pdf_from_objects(objects)


def pdf_deeply_nested(depth: int) -> bytes:
    """A PDF whose page dictionary holds an array nested `depth` levels deep."""
    nested = b"[" * depth + b"]" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Junk " + nested + b" >>",
    ]
    return _pdf_from_objects(objects)


def _pdf_from_objects(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_document(
    paragraphs: list[tuple[str, str]], *, title: str = "", language: str = ""
) -> bytes:
    """A Word document: (style, text) pairs; style "page" inserts a page break.

    Styles: "Title", "Heading 1", "Heading 2", "List Number", "Normal".
    """
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
        document.core_properties.author = "Office of the Mediators"
    if language:
        document.core_properties.language = language
    for style, text in paragraphs:
        if style == "page":
            document.add_page_break()
        else:
            document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(megabytes: int = 300) -> bytes:
    """A .docx-looking zip whose document.xml inflates to `megabytes` (a zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()
