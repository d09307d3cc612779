"""Turn what an editor brings (plain text, an HTML page, Markdown, PDF, Word) into text and metadata.

HTML is reduced to the article's text by trafilatura (a maintained extraction
library), which also reads the title, author, site name and date the page
declares. Markdown is parsed with markdown-it and its markup dropped. PDF and
Word documents are read in a child process with capped resources (documents.py),
which also tells where each page starts. The text returned here is canonicalised
by the service that stores it, not here (a document's already is).
Pure functions, no ORM.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import cast
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from markdown_it import MarkdownIt
from trafilatura.settings import Document

from .canonical import canonicalize
from .documents import DOCUMENT_FORMATS, Limits, extract_document


class ExtractError(Exception):
    """The file or page cannot be turned into text; the message says why, for the editor."""


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str = ""
    outlet: str = ""
    author: str = ""
    published_on: datetime.date | None = None
    language: str = ""
    url: str = ""
    # An address the document named for itself that is not a web address (left out).
    refused_url: str = ""
    # PDF and Word: where each page starts in the (canonical) text, and how many pages.
    page_starts: tuple[int, ...] = ()
    page_count: int = 0
    # The original file, once kept (a services.StoredDocument).
    document: object | None = None

    def metadata(self) -> dict[str, object]:
        """The metadata fields that were found, for pre-filling the form."""
        found = {
            "title": self.title,
            "outlet": self.outlet,
            "author": self.author,
            "published_on": self.published_on,
            "language": self.language,
            "url": self.url,
        }
        return {name: value for name, value in found.items() if value}


# What each way in is called, by file suffix and by media type.
SUFFIX_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
}
MEDIA_TYPE_FORMATS = {
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def format_for_filename(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    try:
        return SUFFIX_FORMATS[suffix]
    except KeyError:
        raise ExtractError(
            f"Files ending in “{suffix or '(nothing)'}” are not accepted: upload a .txt, .html, .md, .pdf or .docx file."
        ) from None


def format_for_media_type(content_type: str) -> str | None:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return MEDIA_TYPE_FORMATS.get(media_type)


def decode_text(data: bytes, declared_charset: str | None = None) -> str:
    """Bytes of a text file as str: the declared charset, else UTF-8, else detected, else cp1252."""
    if declared_charset:
        try:
            return data.decode(declared_charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        as_cp1252 = data.decode("cp1252")
    except UnicodeDecodeError:
        as_cp1252 = None
    matches = list(from_bytes(data))
    # Detection is unsure on short texts: when any candidate reads exactly as
    # cp1252 does (the newsroom's usual legacy charset), take cp1252.
    if as_cp1252 is not None and (not matches or any(str(m) == as_cp1252 for m in matches)):
        return as_cp1252
    if matches:
        return str(matches[0])
    # cp1252 leaves five bytes undefined; replace them rather than refuse the file.
    return data.decode("cp1252", errors="replace")


def extract(
    data: bytes,
    fmt: str,
    *,
    declared_charset: str | None = None,
    url: str = "",
    limits: Limits | None = None,
) -> Extracted:
    """Text and metadata of a document in one of the formats: "text", "html", "markdown",
    "pdf", "docx" (those two read within `limits`)."""
    if fmt in DOCUMENT_FORMATS:
        from .documents import DocumentError

        try:
            document = extract_document(data, fmt, limits=limits or Limits())
        except DocumentError as exc:
            raise ExtractError(str(exc)) from None
        result = Extracted(
            text=document.text,
            title=document.title,
            author=document.author,
            language=document.language,
            url=url,
            page_starts=tuple(document.page_starts),
            page_count=document.page_count,
        )
    elif fmt == "html":
        result = extract_html(decode_html(data, declared_charset), url=url)
    elif fmt == "markdown":
        result = extract_markdown(decode_text(data, declared_charset))
    elif fmt == "text":
        result = Extracted(text=decode_text(data, declared_charset))
    else:
        raise ExtractError(f"Unknown document format {fmt!r}.")
    if not canonicalize(result.text).strip():
        raise ExtractError("No text was found in this document.")
    if url and not result.url:
        result = replace(result, url=url)
    return result


# --- HTML -------------------------------------------------------------------


def _page_language(tree) -> str:
    """The language the page declares: <html lang>, else Content-Language, else og:locale."""
    root = tree.getroottree().getroot()
    candidates = [
        value
        for value in (
            root.get("lang"),
            root.get("xml:lang"),
            root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        )
        if value
    ]
    candidates += tree.xpath(
        "//meta[translate(@http-equiv,'CONTENTLANGUAGE','contentlanguage')='content-language']/@content"
    )
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    for value in candidates:
        code = value.strip().replace("_", "-").split(",")[0].strip()
        if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", code):
            return code.split("-")[0].lower()
    return ""


def web_url(value: str | None) -> str:
    """The value if it is an absolute http(s) address with a host, else ''.

    A page's own markup (<base href>, its canonical link, og:url) can name
    anything: javascript:, file:, a relative path. Only a web address is
    offered to the editor, and even that only for checking (never saved unseen).
    """
    value = (value or "").strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return ""
    return value if parts.scheme.lower() in ("http", "https") and host else ""


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def extract_html(data: bytes | str, *, url: str = "") -> Extracted:
    """The article's text and the page's metadata, by trafilatura."""
    if isinstance(data, bytes):
        html = decode_html(data)
    else:
        html = data
    # lxml refuses str input that still declares an encoding (XHTML's <?xml ...?>).
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        raise ExtractError("This does not look like an HTML page.") from None
    # A Document, not a dict: as_dict is left off.
    document = cast(
        "Document | None",
        trafilatura.bare_extraction(
            tree,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_recall=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        ),
    )
    text = (document.text if document is not None else "") or ""
    if not text.strip():
        # Too short for the article detector (a bare page): take the page's visible text.
        text = trafilatura.html2txt(html) or ""
    metadata = (
        document
        if document is not None
        else trafilatura.extract_metadata(tree, default_url=url or None)
    )
    title = ((metadata.title if metadata else "") or "").strip()
    page_url = ((metadata.url if metadata else "") or "").strip()
    lines = text.split("\n")
    # The headline usually opens the extracted text; it is kept as the title instead.
    if title and lines and lines[0].strip() == title:
        text = "\n".join(lines[1:])
    return Extracted(
        text=text,
        title=title,
        outlet=((metadata.sitename if metadata else "") or "").strip(),
        author=((metadata.author if metadata else "") or "").strip(),
        published_on=_parse_date(metadata.date if metadata else None),
        language=_page_language(tree),
        url=url or web_url(page_url),
        refused_url="" if url or web_url(page_url) else page_url[:200],
    )


_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """HTML bytes as str, honouring the charset the server or the page declares."""
    if not declared_charset:
        # Only the first bytes: the charset declaration must come early (HTML standard).
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared_charset = match.group(1).decode("ascii")
    return decode_text(data, declared_charset)


# --- Markdown ---------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_FIELDS = {
    "title": "title",
    "author": "author",
    "outlet": "outlet",
    "publisher": "outlet",
    "source": "outlet",
    "date": "published_on",
    "published": "published_on",
    "lang": "language",
    "language": "language",
    "url": "url",
}


def _front_matter(source: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter (the common subset of YAML), and the rest."""
    match = _FRONT_MATTER.match(source)
    if not match:
        return {}, source
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_MATTER_FIELDS:
            fields[_FRONT_MATTER_FIELDS[key]] = value.strip().strip("\"'")
    return fields, source[match.end() :]


def _inline_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
        # html_inline and link/emphasis markers carry no words of the report.
    return "".join(parts)


def extract_markdown(source: str) -> Extracted:
    """The words of a Markdown document, its markup dropped; title from front matter or the first heading."""
    fields, body = _front_matter(source)
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[str] = []
    title = fields.get("title", "")
    first_heading_pending = not title
    in_heading = in_cell = False
    row: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            blocks.append(" | ".join(row))
        elif token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline":
            text = _inline_text(token)
            if in_cell:
                row.append(text)
                continue
            if in_heading and first_heading_pending:
                # The document's first heading is its title, not part of its text.
                title = text
                first_heading_pending = False
                continue
            blocks.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
    return Extracted(
        text="\n\n".join(block for block in blocks if block.strip()),
        title=title,
        outlet=fields.get("outlet", ""),
        author=fields.get("author", ""),
        published_on=_parse_date(fields.get("published_on")),
        language=fields.get("language", ""),
        url=web_url(fields.get("url")),
        refused_url="" if web_url(fields.get("url")) else (fields.get("url") or "")[:200],
    )
