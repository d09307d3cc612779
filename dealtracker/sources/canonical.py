"""Canonical plain text: the one form a source's text is stored in.

Offsets of passages count Unicode code points of this text, so it must be
produced once, on the way in, and never again differently. Canonical means
(DESIGN.md): Unicode NFC, `\\n` line ends, no control characters (tabs become
spaces), no trailing spaces, runs of spaces collapsed, at most one blank line
between paragraphs, no leading or trailing blank lines. Pure functions, no ORM.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from dealtracker.text import strip_controls

_LINE_ENDS = re.compile(r"\r\n|\r|\u2028|\u2029|\x85|\x0b|\x0c")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def canonicalize(text: str) -> str:
    """Return the canonical form of text (idempotent: canonicalize(canonicalize(t)) == canonicalize(t))."""
    text = _LINE_ENDS.sub("\n", text)
    text = strip_controls(text)  # after the line ends: \x0b, \x0c and \x85 are those
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip(" ") for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip("\n")


def text_hash(canonical_text: str) -> str:
    """SHA-256 (hex) of canonical text: equal texts, equal hashes."""
    return hashlib.sha256(canonical_text.encode("utf-8")).hexdigest()


def is_canonical(text: str) -> bool:
    return canonicalize(text) == text
