"""Texts for the annotating tests (rows come from tests/factories.py)."""

from __future__ import annotations

from dealtracker.sources.canonical import canonicalize
from dealtracker.sources.models import Source

REPORT = (
    "Hamas is prepared to release all remaining Israeli hostages immediately if Israel "
    "agrees to end its military campaign in Gaza, a senior Palestinian official said.\n\n"
    "The second phase of the agreement, scheduled to begin on March 2, was supposed to "
    "bring a complete halt to hostilities. However, the official accused Israel of "
    "refusing to honor that part of the deal.\n\n"
    "White House advisor Gabe Witkoff cut off the talks."
)

# Arabic (right to left), an emoji with a variation selector (outside the BMP),
# a combining accent (NFC makes it one code point) and a flag (two code points).
ARABIC = canonicalize(
    "وقف إطلاق النار 🕊️ صامد في غزة.\n"
    "Le cessez-le-feu de l'accord est respecte\u0301 selon l'e\u0301missaire 🇶🇦.\n"
    "قال المسؤول إن إسرائيل رفضت المرحلة الثانية 😠 من الاتفاق."
)


def span_of(source: Source, words: str) -> tuple[int, int]:
    start = source.text.index(words)
    return start, start + len(words)


# Paragraphs far enough apart (more than the 32 characters of context) that an edit in
# one leaves the others' context alone; the corrected report rewords one and drops one.
FOUR_PARAGRAPHS = (
    "Hamas is prepared to release all remaining Israeli hostages immediately, a senior official said.\n"
    "Those talks were cut off by White House advisor Gabe Witkoff after news of them became public.\n"
    "An aside that the corrected report drops altogether, with nothing like it left anywhere.\n"
    "More than 50,000 Palestinians have died since the conflict escalated, health authorities say."
)
FOUR_PARAGRAPHS_CORRECTED = (
    "Hamas is prepared to release all remaining Israeli hostages immediately, a senior official said.\n"
    "Those talks were cut off by White House envoy Steve Witkoff after news of them became public.\n"
    "More than 50,000 Palestinians have died since the conflict escalated, health authorities say."
)
