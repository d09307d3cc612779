"""The one control-character policy for text people type or paste.

- `strip_controls(text)`: text kept as written (notes, rationales, a source's
  text before canonicalisation) loses the C0 and C1 control characters other
  than tab, line feed and carriage return, lone surrogates and the
  noncharacters U+FFFE/U+FFFF: PostgreSQL cannot store NUL, XML 1.0 (feeds,
  exports) cannot carry the rest, and none of them means anything on a page.
- `single_line(text)`: a title, a name, a statement, an attribution — one line
  of text shown inside other text. Besides the above, line breaks and tabs
  become spaces, runs of spaces one, and the bidirectional embedding, override
  and isolate controls (U+202A–U+202E, U+2066–U+2069) are removed: one stray
  U+202E in a party's name reverses every word after it on the page. Left-to-right
  and right-to-left marks (U+200E, U+200F, U+061C) are kept inside the text, where
  they can be needed to order numbers within Arabic or Hebrew, but not at its
  ends, where a paste leaves them and they reorder what the page puts next to
  the name. Pages isolate such text too (`<bdi>`, `dir="auto"`).

Every app's services, the models' save(), the XML writers, form pre-fills and
uploaded files' names (sources.services.document_filename) use these and no
regular expression of their own. (desk/middleware.py refuses a request whose
address carries NUL outright: that is input validation, not this policy.)
"""

from __future__ import annotations

import re

# C0 and C1 controls but \t, \n, \r; lone surrogates; two noncharacters.
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
DIRECTION_MARKS = "\u200e\u200f\u061c"

_CONTROLS = re.compile(f"[{CONTROL_CHARACTERS}]")
_SINGLE_LINE_DROPPED = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}]")
_BREAKS_AND_SPACES = re.compile(r"[\s\x85\u2028\u2029]+")
_EDGE_MARKS = f" {DIRECTION_MARKS}"


def strip_controls(text: str | None) -> str:
    """Text without control characters (tab and line ends kept)."""
    return _CONTROLS.sub("", text or "")


def single_line(text: str | None) -> str:
    """One line of text: no controls, no bidi overrides, single spaces, no marks at the ends."""
    text = _BREAKS_AND_SPACES.sub(" ", text or "")  # first: NEL (\x85) is a control too
    text = _SINGLE_LINE_DROPPED.sub("", text)
    return _BREAKS_AND_SPACES.sub(" ", text).strip(_EDGE_MARKS)


class SingleLineFields:
    """Model mixin: the fields named in `single_line_fields` (text, or lists of text)
    are stored as `single_line()` makes them, however they arrive (desk, admin,
    import, ORM)."""

    single_line_fields: tuple[str, ...] = ()

    def save(self, *args, **kwargs):
        for name in self.single_line_fields:
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, single_line(value))
            elif isinstance(value, list):
                setattr(self, name, [single_line(v) for v in value])
        super().save(*args, **kwargs)
