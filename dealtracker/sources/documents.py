"""PDF and Word documents: their canonical text, where each page starts, and their limits.

PDF text comes from pdfminer.six, whose layout analysis groups characters into
lines and text boxes with their positions: that is what tells a running header
or a page number (a line at a page's edge, repeated page after page) from the
report's words, and what puts a two-column page in reading order. Word text
comes from python-docx, walking the document's own XML so that page breaks
(explicit ones, and those Word recorded when it last laid the document out) and
automatic paragraph numbers ("1.1", "(a)") are kept — both matter to the
agreements imported clause by clause.

Parsing untrusted files runs in a child process (`python -m
dealtracker.sources.documents`) that caps its own memory and CPU time before
reading a byte, and is killed after a wall-clock timeout: a PDF whose object
streams inflate to gigabytes or a DOCX zip bomb ends that child, never the
worker serving the desk. Zip members are also checked from the archive's
directory (declared sizes, compression ratio) before anything is inflated.

The text is built canonical (canonical.py) paragraph by paragraph, so the page
offsets recorded while building it are offsets of the stored text. Pure
functions, no ORM: the child process does not load Django.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field

from .canonical import canonicalize

PDF = "pdf"
DOCX = "docx"
DOCUMENT_FORMATS = (PDF, DOCX)
MEDIA_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DocumentError(Exception):
    """The document cannot be turned into text; the message says why, for the editor."""


@dataclass(frozen=True)
class Limits:
    """What one document may cost. The defaults are the settings' defaults (settings.py)."""

    max_bytes: int = 20_000_000
    max_pages: int = 500
    # Characters of extracted text (the stored text has its own byte limit, SOURCE_MAX_BYTES).
    max_text_chars: int = 2_000_000
    # DOCX: the sum of the zip members' declared sizes, their count, and the worst ratio.
    max_unzipped_bytes: int = 100_000_000
    max_zip_members: int = 2_000
    max_zip_ratio: int = 200
    # The child process: address space (MiB), CPU seconds, and wall-clock seconds.
    memory_mb: int = 1024
    cpu_seconds: int = 60
    timeout_seconds: int = 90


@dataclass
class DocumentText:
    text: str
    # page_starts[i] is the offset of the text where page i + 1 begins (empty: no pages known).
    page_starts: list[int] = field(default_factory=list)
    page_count: int = 0
    title: str = ""
    author: str = ""
    language: str = ""


# --- pages --------------------------------------------------------------------------


def page_at(page_starts: list[int] | tuple[int, ...], offset: int) -> int | None:
    """The page (1-based) the character at offset is on; None when the text has no pages."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def valid_page_starts(page_starts: list[int], text_length: int) -> bool:
    return (
        bool(page_starts)
        and page_starts[0] == 0
        and all(a <= b for a, b in zip(page_starts, page_starts[1:], strict=False))
        and page_starts[-1] <= text_length
    )


# --- building canonical text with page offsets --------------------------------------

# Ligatures and Arabic presentation forms (what PDF fonts often map glyphs to)
# become the letters they stand for, so the text searches and anchors as typed.
_COMPAT = re.compile(r"[\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufefe]+")
_SOFT_HYPHEN = "\u00ad"


def _letters(text: str) -> str:
    return _COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


class TextBuilder:
    """Paragraphs in, canonical text out, with the offset where each page begins."""

    def __init__(self, *, max_chars: int) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.page_starts: list[int] = []
        self.pending_pages = 0
        self.max_chars = max_chars

    def page(self) -> None:
        """A new page begins: it starts where the next words do."""
        self.pending_pages += 1

    def _add(self, separator: str, text: str) -> None:
        if not self.length:
            separator = ""
        start = self.length + len(separator)
        self.page_starts.extend([start] * self.pending_pages)
        self.pending_pages = 0
        self.parts.append(separator + text)
        self.length = start + len(text)
        if self.length > self.max_chars:
            raise DocumentError(
                f"The document's text is longer than the limit of {self.max_chars:,} characters."
            )

    def paragraph(self, text: str, *, continued: bool = False) -> None:
        """A paragraph; `continued` for the rest of one cut by a page break."""
        text = canonicalize(_letters(text))
        # Within a paragraph a blank line means nothing: one line break at most.
        text = re.sub(r"\n{2,}", "\n", text)
        if text:
            self._add(" " if continued else "\n\n", text)

    def result(self) -> tuple[str, list[int]]:
        text = "".join(self.parts)
        self.page_starts.extend([self.length] * self.pending_pages)
        self.pending_pages = 0
        if self.page_starts and self.page_starts[0] != 0:
            self.page_starts[0] = 0
        return text, self.page_starts


_HYPHEN_END = re.compile(r"[^\W\d_][-\u2010\u00ad]$")


def join_lines(lines: list[str]) -> str:
    """The lines of one paragraph as one line; a word hyphenated across lines is joined.

    "nego-" + "tiations" becomes "negotiations"; "Egypt-" + "Qatar" stays a
    hyphenated name ("Egypt-Qatar"): only a lower-case continuation is taken as
    the rest of a word broken by the line end.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith(_SOFT_HYPHEN):
            out = out[:-1] + line
        elif _HYPHEN_END.search(out):
            out = out[:-1] + line if line[0].islower() else out + line
        else:
            out += " " + line
    return out.replace(_SOFT_HYPHEN, "")


# --- running headers, footers and page numbers (PDF) --------------------------------

_DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+")
_ROMAN = r"[ivxlcdm]{1,7}"
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—|.]*(?:(?:page|p\.|pg\.?|seite|صفحة|الصفحة)\s*)?"
    rf"(?:[0-9\u0660-\u0669\u06f0-\u06f9]+|{_ROMAN})"
    r"(?:\s*(?:/|of|من|von)\s*[0-9\u0660-\u0669\u06f0-\u06f9]+)?[\s\-–—|.]*$",
    re.IGNORECASE,
)
# How many lines at each edge of a page may be a header or a footer.
EDGE_LINES = 2
# Lines within this share of the page's height from its top or bottom edge.
EDGE_BAND = 0.15


def _edge_key(text: str) -> str:
    return re.sub(r"\s+", " ", _DIGITS.sub("#", text.strip().lower()))


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip())) and bool(text.strip())


@dataclass
class _Line:
    text: str
    top: float  # distance from the page's top edge
    bottom: float  # distance from the page's bottom edge
    box: int


@dataclass
class _Box:
    x0: float
    x1: float
    top: float


_RTL_LETTER = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def reading_order(boxes: dict[int, _Box], width: float, *, rtl: bool) -> list[int]:
    """Text boxes in reading order, columns included.

    Boxes that cross the middle of the page (headings, single-column text) cut
    the page into bands; within a band the boxes of one column come before
    those of the other (the left one first, the right one for right-to-left
    text), each column top to bottom.
    """
    mid = width / 2
    bands: list[list[int]] = [[]]
    order: list[int] = []
    for key in sorted(boxes, key=lambda k: (boxes[k].top, k)):
        box = boxes[key]
        if box.x0 < mid - 10 and box.x1 > mid + 10:
            bands.append([key])
            bands.append([])
        else:
            bands[-1].append(key)
    for band in bands:

        def column(key: int) -> int:
            right = boxes[key].x0 >= mid - 10
            return (0 if right else 1) if rtl else (1 if right else 0)

        order.extend(sorted(band, key=lambda k: (column(k), boxes[k].top, k)))
    return order


def _edge_lines(lines: list[_Line], height: float) -> list[_Line]:
    """The lines near the top and bottom edges: the candidates for headers and footers."""
    band = height * EDGE_BAND
    by_top = sorted((ln for ln in lines if ln.top <= band), key=lambda ln: ln.top)[:EDGE_LINES]
    by_bottom = sorted((ln for ln in lines if ln.bottom <= band), key=lambda ln: ln.bottom)[
        :EDGE_LINES
    ]
    seen: list[_Line] = []
    for line in by_top + by_bottom:
        if all(line is not other for other in seen):
            seen.append(line)
    return seen


def drop_running_lines(pages: list[tuple[list[_Line], float]]) -> list[list[_Line]]:
    """Each page's lines without page numbers and the headers and footers repeated across pages.

    A line at a page's edge is dropped when it is a page number ("3", "- 3 -",
    "Page 3 of 10", "٣"), or when the same words (digits aside) stand at the
    edge of at least half the pages, and of two pages at least.
    """
    counts: Counter[str] = Counter()
    for lines, height in pages:
        counts.update({_edge_key(ln.text) for ln in _edge_lines(lines, height)})
    needed = max(2, (len(pages) + 1) // 2)
    kept_pages = []
    for lines, height in pages:
        dropped = {
            id(ln)
            for ln in _edge_lines(lines, height)
            if is_page_number(ln.text) or (len(pages) > 1 and counts[_edge_key(ln.text)] >= needed)
        }
        kept_pages.append([ln for ln in lines if id(ln) not in dropped])
    return kept_pages


# --- PDF ----------------------------------------------------------------------------


def _pdf_info(document) -> tuple[str, str, str]:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    def text(value) -> str:
        value = resolve1(value)
        if isinstance(value, bytes):
            return canonicalize(decode_text(value)).replace("\n", " ").strip()
        return value.strip() if isinstance(value, str) else ""

    info = document.info[0] if document.info else {}
    language = ""
    try:
        language = text(document.catalog.get("Lang"))
    except Exception:  # noqa: BLE001 - a damaged catalog only loses the language
        language = ""
    return text(info.get("Title")), text(info.get("Author")), language


def _pdf_page_count(document) -> int | None:
    from pdfminer.pdftypes import resolve1

    try:
        pages = resolve1(document.catalog.get("Pages"))
        return int(resolve1(pages.get("Count")))
    except Exception:  # noqa: BLE001 - counted while reading instead
        return None


def pdf_text(data: bytes, limits: Limits) -> DocumentText:
    """The text of a PDF's text layer, page by page (run in the child process)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTFigure, LTImage, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    if b"%PDF-" not in data[:1024]:
        raise DocumentError("This file is not a PDF (it does not start like one).")
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect:
        raise DocumentError(
            "This PDF is encrypted with a password: save an unprotected copy and upload that."
        ) from None
    except PDFEncryptionError as exc:
        raise DocumentError(f"This PDF's encryption is not supported ({exc}).") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(
            f"This PDF is damaged and cannot be read ({type(exc).__name__})."
        ) from None
    declared = _pdf_page_count(document)
    if declared is not None and declared > limits.max_pages:
        raise DocumentError(
            f"This PDF has {declared:,} pages; the limit is {limits.max_pages:,}. Split it."
        )
    title, author, language = _pdf_info(document)

    manager = PDFResourceManager(caching=True)
    # all_texts: words inside figures (form XObjects) are words of the page too.
    # boxes_flow=None: no hierarchical grouping of boxes (the costly part of the
    # layout analysis); reading_order() puts the boxes in order instead.
    device = PDFPageAggregator(manager, laparams=LAParams(all_texts=True, boxes_flow=None))
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[tuple[list[_Line], float]] = []
    page_boxes: list[tuple[dict[int, _Box], float]] = []
    image_pages = 0

    def has_image(item) -> bool:
        if isinstance(item, LTImage):
            return True
        return isinstance(item, LTFigure) and any(has_image(child) for child in item)

    try:
        for number, page in enumerate(PDFPage.create_pages(document), 1):
            if number > limits.max_pages:
                raise DocumentError(f"This PDF has more than {limits.max_pages:,} pages. Split it.")
            interpreter.process_page(page)
            layout = device.get_result()
            height = float(layout.height) or 1.0
            lines: list[_Line] = []
            boxes: dict[int, _Box] = {}
            for item in layout:
                if isinstance(item, LTTextBox):
                    key = len(boxes)
                    boxes[key] = _Box(
                        float(item.x0),
                        float(item.x1),
                        top=height - float(item.y1) + float(layout.y0),
                    )
                    for line in item:
                        if isinstance(line, LTTextLine) and line.get_text().strip():
                            lines.append(
                                _Line(
                                    line.get_text(),
                                    top=height - float(line.y1) + float(layout.y0),
                                    bottom=float(line.y0) - float(layout.y0),
                                    box=key,
                                )
                            )
                elif has_image(item):
                    image_pages += 1
            page_boxes.append((boxes, float(layout.width) or 1.0))
            pages.append((lines, height))
    except DocumentError:
        raise
    except PDFEncryptionError:
        raise DocumentError("This PDF is encrypted and cannot be read.") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise DocumentError(
            f"This PDF is damaged and cannot be read ({type(exc).__name__})."
        ) from None
    except RecursionError:
        raise DocumentError("This PDF is nested too deeply to be read safely.") from None
    if not pages:
        raise DocumentError("This PDF has no pages: the file is damaged or empty.")

    builder = TextBuilder(max_chars=limits.max_text_chars)
    kept = drop_running_lines(pages)
    letters = "".join(line.text for lines in kept for line in lines)
    rtl = len(_RTL_LETTER.findall(letters)) > sum(1 for ch in letters if ch.isalpha()) / 2
    for lines, (boxes, width) in zip(kept, page_boxes, strict=True):
        builder.page()
        by_box: dict[int, list[str]] = {}
        for kept_line in lines:
            by_box.setdefault(kept_line.box, []).append(kept_line.text)
        for key in reading_order({k: boxes[k] for k in by_box}, width, rtl=rtl):
            builder.paragraph(join_lines(by_box[key]))
    text, page_starts = builder.result()
    if sum(1 for ch in text if ch.isalpha()) < 20:
        if image_pages:
            raise DocumentError(
                "This PDF has no text layer: it looks like a scan (pages of images). "
                "dealtracker does not read scans (no OCR): ask for the text, or paste it."
            )
        raise DocumentError("No text was found in this PDF.")
    return DocumentText(
        text=text,
        page_starts=page_starts,
        page_count=len(pages),
        title=title,
        author=author,
        language=_language_code(language),
    )


def _language_code(value: str) -> str:
    code = (value or "").strip().replace("_", "-")
    if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", code):
        return code.split("-")[0].lower()
    return ""


# --- DOCX ---------------------------------------------------------------------------


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb from the archive's directory, before inflating anything.

    Python's zipfile never inflates a member past its declared size (it stops
    and fails the CRC), so the declared sizes bound what reading can cost.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise DocumentError(
            "This file is not a Word document (.docx) or it is damaged: it is not a valid zip archive."
        ) from None
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise DocumentError(
            f"This document holds {len(members):,} parts; the limit is {limits.max_zip_members:,}."
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise DocumentError(
            f"This document unpacks to {total:,} bytes; the limit is {limits.max_unzipped_bytes:,}."
        )
    for member in members:
        if member.file_size > 1_000_000 and member.file_size > limits.max_zip_ratio * max(
            member.compress_size, 1
        ):
            raise DocumentError(
                f"A part of this document ({member.filename}) is compressed "
                f"{member.file_size // max(member.compress_size, 1):,} to 1: refused as a zip bomb."
            )
    names = {m.filename for m in members}
    if "word/document.xml" not in names:
        raise DocumentError("This is not a Word document (.docx): it has no word/document.xml.")


_BULLET_FORMATS = {"bullet", "none"}


def _roman(number: int) -> str:
    values = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ]
    out = ""
    for value, letters in values:
        while number >= value:
            out += letters
            number -= value
    return out


def _format_number(number: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        n = number
        while n > 0:
            n, rest = divmod(n - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt == "lowerRoman":
        return _roman(number)
    if fmt == "upperRoman":
        return _roman(number).upper()
    return str(number)


class _Numbering:
    """Word's automatic paragraph numbers ("1.", "1.1", "(a)"), which are not in the text."""

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[ilvl] = (
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                    int(start.get(qn("w:val"), "1")) if start is not None else 1,
                )
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                # Numbers run on per abstract list, as Word counts them.
                self.levels[num.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def label(self, num_id: str | None, ilvl: int) -> str:
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        fmt, text, _start = levels[ilvl]
        if fmt in _BULLET_FORMATS:
            return "•" if fmt == "bullet" else ""
        key = str(id(levels))
        counters = self.counters.setdefault(key, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def level_value(match) -> str:
            level = int(match.group(1)) - 1
            value = counters.get(level, levels.get(level, ("decimal", "", 1))[2])
            return _format_number(value, levels.get(level, ("decimal", "", 1))[0])

        return re.sub(r"%(\d)", level_value, text).strip()


def _paragraph_numbering(element, paragraph, qn) -> tuple[str | None, int]:
    """The numbering a paragraph has, directly or through its style."""
    candidates = [element.find(qn("w:pPr"))]
    try:
        style = paragraph.style
    except Exception:  # noqa: BLE001 - a dangling style reference only loses numbering
        style = None
    while style is not None:
        candidates.append(style.element.find(qn("w:pPr")))
        style = style.base_style
    for ppr in candidates:
        if ppr is None:
            continue
        numpr = ppr.find(qn("w:numPr"))
        if numpr is None:
            continue
        num = numpr.find(qn("w:numId"))
        lvl = numpr.find(qn("w:ilvl"))
        return (
            num.get(qn("w:val")) if num is not None else None,
            int(lvl.get(qn("w:val"), "0")) if lvl is not None else 0,
        )
    return None, 0


def docx_text(data: bytes, limits: Limits) -> DocumentText:
    """The text of a Word document's body, with page breaks and list numbers (child process)."""
    check_zip(data, limits)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocumentError(f"This Word document is damaged and cannot be read ({exc}).") from None
    except Exception as exc:  # noqa: BLE001 - lxml and zip errors of damaged files
        raise DocumentError(
            f"This Word document is damaged and cannot be read ({type(exc).__name__})."
        ) from None
    numbering = _Numbering(document)
    builder = TextBuilder(max_chars=limits.max_text_chars)
    breaks = 0
    T, TAB, BR, CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
    RENDERED, NBH, SOFT = qn("w:lastRenderedPageBreak"), qn("w:noBreakHyphen"), qn("w:softHyphen")
    P, TBL, SDT, SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
    TR, TC, TYPE = qn("w:tr"), qn("w:tc"), qn("w:type")

    text_since_break = False

    def paragraph_segments(p, *, pages: bool = True) -> list[str]:
        """The paragraph's text, cut where a page break falls inside it."""
        nonlocal breaks, text_since_break
        segments = [""]
        for node in p.iter(T, TAB, BR, CR, RENDERED, NBH, SOFT):
            if node.tag == T:
                segments[-1] += node.text or ""
                text_since_break = text_since_break or bool((node.text or "").strip())
            elif node.tag == TAB:
                segments[-1] += " "
            elif node.tag == NBH:
                segments[-1] += "-"
            elif node.tag == SOFT:
                segments[-1] += _SOFT_HYPHEN
            elif node.tag == CR or (node.tag == BR and node.get(TYPE) not in ("page", "column")):
                segments[-1] += "\n"
            elif pages and (node.tag == RENDERED or (node.tag == BR and node.get(TYPE) == "page")):
                # Word writes both for one explicit break (the break, then where its
                # last layout began the page): a page is counted once, when words
                # came since the last one.
                if text_since_break:
                    breaks += 1
                    text_since_break = False
                    segments.append("")
        return segments

    def add_paragraph(p) -> None:
        segments = paragraph_segments(p)
        num_id, ilvl = _paragraph_numbering(p, Paragraph(p, document.part), qn)
        label = numbering.label(num_id, ilvl) if num_id and num_id != "0" else ""
        first = True
        for index, segment in enumerate(segments):
            if index > 0:
                builder.page()
            text = segment.replace(_SOFT_HYPHEN, "")
            if first and text.strip():
                if label:
                    text = f"{label} {text.strip()}"
                builder.paragraph(text)
                first = False
            elif text.strip():
                builder.paragraph(text, continued=True)

    def add_table(tbl) -> None:
        for row in tbl.iter(TR):
            cells = []
            for cell in row.findall(TC):
                words = [" ".join(paragraph_segments(p, pages=False)) for p in cell.findall(P)]
                cells.append(" ".join(w.strip() for w in words if w.strip()))
            if any(cells):
                builder.paragraph(" | ".join(cells))

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == P:
                add_paragraph(child)
            elif child.tag == TBL:
                add_table(child)
            elif child.tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    walk(content)

    builder.page()
    walk(document.element.body)
    text, page_starts = builder.result()
    if not canonicalize(text).strip():
        raise DocumentError("No text was found in this Word document.")
    properties = document.core_properties
    return DocumentText(
        text=text,
        # Without a single page break the pages are not known: none are claimed.
        page_starts=page_starts if breaks else [],
        page_count=len(page_starts) if breaks else 0,
        title=canonicalize(properties.title or "").replace("\n", " "),
        author=canonicalize(properties.author or "").replace("\n", " "),
        language=_language_code(properties.language or ""),
    )


# --- the child process --------------------------------------------------------------


def _child_limits(limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child_main(argv: list[str]) -> int:
    fmt, limits = argv[0], Limits(**json.loads(argv[1]))
    # Capped before a byte of the document is read.
    _child_limits(limits)
    sys.setrecursionlimit(3000)
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    try:
        if len(data) > limits.max_bytes:
            raise DocumentError(f"The file is larger than the limit of {limits.max_bytes:,} bytes.")
        result = pdf_text(data, limits) if fmt == PDF else docx_text(data, limits)
        out = {"ok": True, **asdict(result)}
    except DocumentError as exc:
        out = {"ok": False, "error": str(exc)}
    except MemoryError:
        out = {"ok": False, "error": "memory"}
    except RecursionError:
        out = {"ok": False, "error": "This document is nested too deeply to be read safely."}
    except Exception as exc:  # noqa: BLE001 - whatever else a damaged file makes a library raise
        out = {
            "ok": False,
            "error": f"This file is damaged and cannot be read ({type(exc).__name__}).",
        }
    sys.stdout.write(json.dumps(out))
    return 0


def extract_document(data: bytes, fmt: str, *, limits: Limits) -> DocumentText:
    """A document's text, read in a child process with capped memory, CPU and time."""
    if fmt not in DOCUMENT_FORMATS:
        raise DocumentError(f"Unknown document format {fmt!r}.")
    if len(data) > limits.max_bytes:
        raise DocumentError(f"The file is larger than the limit of {limits.max_bytes:,} bytes.")
    over = (
        "This document could not be read within the limits "
        f"({limits.memory_mb:,} MiB of memory, {limits.cpu_seconds} s): "
        "it may be damaged or built to exhaust a reader."
    )
    command = [
        sys.executable,
        "-m",
        "dealtracker.sources.documents",
        fmt,
        json.dumps(asdict(limits)),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            command,
            input=data,
            capture_output=True,
            timeout=limits.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocumentError(over) from None
    if done.returncode != 0:
        raise DocumentError(over)
    try:
        out = json.loads(done.stdout)
    except ValueError:
        raise DocumentError(over) from None
    if not out.pop("ok"):
        raise DocumentError(over if out["error"] == "memory" else out["error"])
    return DocumentText(**out)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
