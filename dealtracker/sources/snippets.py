"""Text shown around a quote or a search match: cut between words, never inside
one, with an ellipsis where text was left out. Pure functions, no ORM."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")


def context_before(text: str, *, cut: bool) -> str:
    """The text that ends where a quote starts. When it was cut out of a longer text
    (`cut`), its first word may be partial: it is dropped and an ellipsis marks the cut.

    Give one character more than needed when it is at hand: when that character is
    a space, no whole word is dropped.
    """
    if not cut or not text:
        return text
    match = _SPACE.search(text)
    if match is None:
        return ELLIPSIS  # one partial word: nothing of it is worth showing
    return ELLIPSIS + text[match.end() :].lstrip()


def context_after(text: str, *, cut: bool) -> str:
    """The text that starts where a quote ends; its last word is dropped when partial."""
    if not cut or not text:
        return text
    spaces = list(_SPACE.finditer(text))
    if not spaces:
        return ELLIPSIS
    return text[: spaces[-1].start()].rstrip() + ELLIPSIS


def _squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def is_start_of(fragment: str, text_start: str) -> bool:
    """Whether `fragment` (a snippet's text) is where the text begins (`text_start`:
    the text's first characters). Runs of spaces count as one."""
    a, b = _squeeze(fragment), _squeeze(text_start)
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


def is_end_of(fragment: str, text_end: str) -> bool:
    """Whether `fragment` reaches the end of the text (`text_end`: its last characters)."""
    a, b = _squeeze(fragment), _squeeze(text_end)
    n = min(len(a), len(b))
    return n > 0 and a[-n:] == b[-n:]
