"""Canonical text: the one form a source's text is stored in (DESIGN.md, "Source")."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealtracker.sources.canonical import canonicalize, is_canonical, text_hash


def test_text_is_normalised_to_nfc():
    decomposed = "Cafe\u0301 in Re\u0301union"
    assert canonicalize(decomposed) == "Café in Réunion"
    assert unicodedata.is_normalized("NFC", canonicalize(decomposed))


def test_arabic_text_keeps_its_letters_and_marks():
    text = "قَالَ مسؤول فلسطيني إن حماس مستعدة"
    assert canonicalize(text) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("line_end", ["\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
def test_every_kind_of_line_end_becomes_a_newline(line_end):
    assert canonicalize(f"first line{line_end}second line") == "first line\nsecond line"


def test_control_characters_are_removed():
    assert canonicalize("cease\x00fire\x07 holds\x1b\x7f\x9f") == "ceasefire holds"


def test_lone_surrogates_and_noncharacters_are_removed():
    assert canonicalize("truce\ud800 holds\uffff") == "truce holds"


def test_tabs_become_single_spaces():
    assert canonicalize("phase\ttwo\t\tbegins") == "phase two begins"


def test_runs_of_spaces_collapse_to_one():
    assert canonicalize("50,000   people  have\u00a0\u00a0died") == "50,000 people have died"


@pytest.mark.parametrize(
    "space",
    [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs"],
)
def test_every_unicode_space_collapses_into_one_plain_space(space):
    assert canonicalize(f"truce{space}{space} holds") == "truce holds"


def test_trailing_and_leading_spaces_of_lines_are_removed():
    assert canonicalize("  Hamas said   \n\t Israel denied \t") == "Hamas said\nIsrael denied"


def test_blank_lines_collapse_to_one_between_paragraphs():
    text = "First paragraph.\n\n\n\nSecond paragraph.\n \n\t\n  \nThird."
    assert canonicalize(text) == "First paragraph.\n\nSecond paragraph.\n\nThird."


def test_leading_and_trailing_blank_lines_are_removed():
    assert canonicalize("\n\n  \nThe report.\n\n\n") == "The report."


def test_single_line_breaks_inside_a_paragraph_are_kept():
    assert canonicalize("line one\nline two") == "line one\nline two"


def test_emoji_and_zero_width_joiners_are_kept():
    family = "👩\u200d👩\u200d👧 🕊️ 🇶🇦"
    assert canonicalize(family) == family


def test_text_differing_only_in_whitespace_canonicalises_to_the_same_text():
    tidy = "Hamas is prepared to release all hostages.\n\nThe official said so."
    messy = (
        "  Hamas  is prepared\tto release all hostages.   \r\n\r\n\r\n The official said so.\u2028"
    )
    assert canonicalize(messy) == canonicalize(tidy) == tidy


def test_equal_canonical_texts_have_equal_hashes():
    a = canonicalize("Cafe\u0301  owners\r\n")
    b = canonicalize("Café owners")
    assert a == b
    assert text_hash(a) == text_hash(b)
    assert len(text_hash(a)) == 64 and int(text_hash(a), 16) >= 0


def test_different_texts_have_different_hashes():
    assert text_hash("phase two") != text_hash("phase 2")


def test_is_canonical_says_whether_text_is_already_canonical():
    assert is_canonical("A report.\n\nSecond paragraph.")
    assert not is_canonical("A report. \n")
    assert not is_canonical("Cafe\u0301")
    assert is_canonical("")


# Characters that exercise every rule, mixed with arbitrary ones.
SPECIAL = st.sampled_from(
    list(" \t\n\r\x0b\x0c\x00\x07\x1b\x7f\x85\x9f\u00a0\u1680\u2000\u2001\u200a\u2028\u2029\u202f\u3000\ufeff\ud800\udfff\uffff")
    + ["e\u0301", "\u0301", "\u0323\u0301", "\u0651\u064e", "ق", "👩\u200d👧", "🕊️", "\r\n", "\n\n\n"]
)  # fmt: skip
TEXTS = st.lists(st.one_of(SPECIAL, st.characters(), st.text(max_size=5)), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_canonicalising_twice_changes_nothing(text):
    once = canonicalize(text)
    assert canonicalize(once) == once
    assert is_canonical(once)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_canonical_text_obeys_every_rule(text):
    out = canonicalize(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\t" not in out and "\u2028" not in out
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n" for ch in out)
    assert "  " not in out and "\n\n\n" not in out
    assert not any(line != line.strip(" ") for line in out.split("\n"))
    assert out == out.strip("\n")
    assert not any(unicodedata.category(ch) == "Zs" and ch != " " for ch in out)
