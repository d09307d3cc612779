"""Splitting a source's canonical text into sentences, with their offsets.

Pure functions, no ORM. Offsets are code points into the text, as passages
count them, so a sentence can be marked as a passage as it is.

The rules are the plain ones newsroom text needs: a line is never joined to
the next (headlines, bullets and paragraphs end sentences); inside a line a
sentence ends at . ! ? … (and the Arabic question mark ؟) followed by a space,
unless the word before the stop is a known abbreviation or an initial
("Mr.", "U.S.", "J.") or, in scripts with capitals, the next word starts
lower-case. Closing quotes and brackets after the stop belong to the sentence.
Bullet marks at the start of a line are left out of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations that end with a full stop without ending the sentence (lower-case, no dot).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt cpt sgt adm cmdr sen rep gov pres st jr sr rev
    no nos vs etc approx est inc ltd co corp dept govt univ
    jan feb mar apr jun jul aug sep sept oct nov dec
    e.g i.e u.s u.n u.k e.u u.s.a a.m p.m
    """.split()
)

_STOP = re.compile(r"[.!?…؟]+[\"'”’»)\]]*")
_BULLET = re.compile(r"^(?:[-–—•*·▪●]|\d{1,2}[.)])\s+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a canonical text, in order, each with its [start, end) offsets."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        for start, end in _split_line(line):
            sentences.append(Sentence(offset + start, offset + end, line[start:end]))
        offset += len(line) + 1
    return sentences


def _split_line(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = _skip_space(line, 0)
    bullet = _BULLET.match(line[start:])
    if bullet and len(line) - start > bullet.end():
        start += bullet.end()
    for match in _STOP.finditer(line):
        end = match.end()
        if end >= len(line) or not line[end].isspace():
            continue  # "3.5", "U.S.-brokered", or the line's last stop (handled below)
        if not _ends_sentence(line, match.start(), end):
            continue
        if end > start:
            spans.append((start, end))
        start = _skip_space(line, end)
    end = len(line.rstrip())
    if end > start:
        spans.append((start, end))
    return spans


def _ends_sentence(line: str, stop: int, after: int) -> bool:
    """Whether the stop at line[stop] (ending at `after`) ends a sentence."""
    if line[stop] == ".":
        word = _WORD_BEFORE.search(line[:stop])
        if word:
            token = word.group(1).lower().rstrip(".")
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                return False
    following = _skip_space(line, after)
    if following >= len(line):
        return True
    nxt = line[following]
    # A lower-case letter after the stop continues the sentence ("… said Mr. Smith. he …"
    # is rare; "approx. five" and "p.m. on" are common). Scripts without case always split.
    return not nxt.islower()


def _skip_space(line: str, at: int) -> int:
    while at < len(line) and line[at].isspace():
        at += 1
    return at
