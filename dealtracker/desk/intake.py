"""Reading a new source's text from an uploaded file or a URL: the steps the add-source
page runs inline and the task queue's workers run for the long cases (desk/work.py).

Nothing here saves a Source: the text and the details found are shown to the
editor, who confirms them. A PDF or Word original is kept in the documents
storage under its SHA-256, and travels to the save as a signed token.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core import signing

from dealtracker.sources import services
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.documents import DOCUMENT_FORMATS
from dealtracker.sources.extract import (
    ExtractError,
    extract,
    format_for_filename,
    format_for_media_type,
)
from dealtracker.sources.fetch import fetch_url
from dealtracker.sources.models import Source

# Metadata an extracted document may fill in when the editor left the field empty.
PREFILLED = ("title", "outlet", "author", "published_on", "language", "url")
# Of those, what a document says about itself that could point anywhere: shown
# to the editor to confirm, never stored unseen.
FROM_MARKUP = {"url": "Address (URL)", "outlet": "Outlet"}


class SameFile(Exception):
    """The uploaded original is already a source's."""

    def __init__(self, source: Source) -> None:
        self.source = source


def upload_limit(filename: str) -> int:
    fmt = format_for_filename(filename)
    return settings.DOCUMENT_MAX_BYTES if fmt in DOCUMENT_FORMATS else settings.SOURCE_MAX_BYTES


def upload_read(upload) -> bytes:
    """An uploaded file's bytes; ExtractError when it is over its format's limit."""
    limit = upload_limit(upload.name)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ExtractError(f"The file is larger than the limit of {limit:,} bytes.")
    return data


def file_document(data: bytes, filename: str, *, declared_charset: str | None = None):
    """The extracted document of an uploaded file's bytes."""
    fmt = format_for_filename(filename)
    if fmt in DOCUMENT_FORMATS:
        return read_document(data, fmt, filename=filename)
    return extract(data, fmt, declared_charset=declared_charset)


def url_document(url: str):
    """The extracted document of the page (or PDF, Word file) at a URL: FetchError or
    ExtractError with a message for the editor when it cannot be had."""
    fetched = fetch_url(url)
    fmt = format_for_media_type(fetched.content_type)
    if fmt is None:
        raise ExtractError(
            f"The page is “{fetched.content_type or 'of no declared type'}”, not a web page or text."
        )
    if fmt in DOCUMENT_FORMATS:
        name = fetched.url.rstrip("/").rsplit("/", 1)[-1] or f"document.{fmt}"
        return read_document(fetched.body, fmt, filename=name, url=fetched.url)
    return extract(fetched.body, fmt, declared_charset=fetched.charset, url=fetched.url)


def read_document(data: bytes, fmt: str, *, filename: str, url: str = ""):
    """A PDF or Word file: the source it already is, or its text, with the original kept."""
    existing = services.source_for_document(sha256=hashlib.sha256(data).hexdigest())
    if existing is not None:
        raise SameFile(existing)
    extracted = extract(data, fmt, url=url, limits=services.document_limits())
    stored = services.document_store(
        data=data, filename=filename, fmt=fmt, page_count=extracted.page_count
    )
    return replace(extracted, document=stored)


# The original file travels from "Read the file" to "Save" as a signed token
# (the file itself is already kept, under its SHA-256).
_DOCUMENT_SALT = "dealtracker.source-document"


def document_token(document, extracted) -> str:
    return signing.dumps(
        {
            "sha256": document.sha256,
            "filename": document.filename,
            "fmt": document.fmt,
            "size": document.size,
            "pages": document.page_count,
            "page_starts": list(extracted.page_starts),
            "text_hash": text_hash(canonicalize(extracted.text)),
        },
        salt=_DOCUMENT_SALT,
    )


def document_from_token(token: str, text: str):
    """The stored original a token names, and the page starts for the (maybe edited) text."""
    try:
        data = signing.loads(token, salt=_DOCUMENT_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise ExtractError("The uploaded file's reference is not valid: upload it again.") from None
    document = services.StoredDocument(
        sha256=data["sha256"],
        filename=data["filename"],
        fmt=data["fmt"],
        size=data["size"],
        page_count=data["pages"],
    )
    if not services.document_storage().exists(document.storage_name):
        raise ExtractError("The uploaded file is no longer kept: upload it again.")
    canonical = canonicalize(text)
    page_starts = data["page_starts"]
    if page_starts and text_hash(canonical) != data["text_hash"]:
        # The editor corrected the text: the pages follow their words.
        original = extract(document.read(), document.fmt, limits=services.document_limits())
        page_starts = services.page_starts_map(
            old_text=original.text, new_text=canonical, page_starts=list(original.page_starts)
        )
    return document, page_starts


def prefilled(fields: dict[str, Any], document) -> tuple[dict[str, Any], list[str]]:
    """The form's values with the document's text and its metadata where the editor left
    blanks, and the names of the fields the document filled in."""
    data = dict(fields)
    filled = []
    if document is not None:
        data["text"] = document.text
        for name, value in document.metadata().items():
            if name in PREFILLED and not data.get(name):
                data[name] = value
                filled.append(name)
    if not data.get("language"):
        data["language"] = "en"
    return data, filled


# --- the long cases, in the task queue (desk/work.py) ------------------------------

# Uploaded files wait for the worker in the documents storage, which every app server
# and worker share (as the archives the import page queues do).
QUEUED_PREFIX = "queued-documents/"


def json_values(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as a Job keeps them (dates as ISO strings)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def upload_keep(upload, data: bytes) -> str:
    """Keep an uploaded file's bytes for the worker; its name in the documents storage."""
    import uuid

    from django.core.files.base import ContentFile

    suffix = format_for_filename(upload.name) or "bin"
    return services.document_storage().save(
        f"{QUEUED_PREFIX}{uuid.uuid4().hex}.{suffix}", ContentFile(data)
    )


def found(fields: dict[str, Any], document) -> dict[str, Any]:
    """What the add-source form needs to show a document read elsewhere (a worker): the
    pre-filled values, the fields the document filled in and the address it dropped."""
    data, filled = prefilled(fields, document)
    stored = getattr(document, "document", None)
    if stored is not None:
        data["document"] = document_token(stored, document)
    return json_values(
        {"data": data, "filled": filled, "refused": getattr(document, "refused_url", "") or ""}
    )
