"""What changed in a passage's words (dealtracker.sources.wording), and how pages show it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealtracker.desk.templatetags.reading import wording_changes as shown
from dealtracker.sources.wording import Kind, Piece, is_changed, wording_changes


def _sides(pieces: list[Piece]) -> tuple[str, str]:
    old = "".join(p.text for p in pieces if p.kind != Kind.INSERTED)
    new = "".join(p.text for p in pieces if p.kind != Kind.DELETED)
    return old, new


def _changed(pieces: list[Piece]) -> list[tuple[str, str]]:
    return [(p.kind.value, p.text) for p in pieces if p.kind != Kind.SAME]


def test_a_one_letter_fix_is_that_one_letter():
    pieces = wording_changes("advisor Gabe Witkoff said", "advisor Gave Witkoff said")
    assert _changed(pieces) == [("deleted", "b"), ("inserted", "v")]
    assert pieces[0] == Piece(Kind.SAME, "advisor Ga")


def test_a_spelling_fix_shows_the_letters_and_a_figure_shows_whole():
    assert _changed(wording_changes("honour the deal", "honor the deal")) == [("deleted", "u")]
    assert _changed(wording_changes("release 33 hostages", "release 34 hostages")) == [
        ("deleted", "33"),
        ("inserted", "34"),
    ]
    assert _changed(wording_changes("Gabe Witkoff", "Steve Witkoff")) == [
        ("deleted", "Gabe"),
        ("inserted", "Steve"),
    ]


def test_an_unrelated_rewrite_is_shown_whole_not_as_scattered_letters():
    pieces = wording_changes("said the official", "The weather was fine today")
    assert _changed(pieces) == [
        ("deleted", "said the official"),
        ("inserted", "The weather was fine today"),
    ]


def test_words_joined_or_split_show_only_the_space():
    assert _changed(wording_changes("the ceasefireholds now", "the ceasefire holds now")) == [
        ("inserted", " ")
    ]
    assert _changed(wording_changes("cease fire", "ceasefire")) == [("deleted", " ")]


def test_unchanged_words_are_one_piece():
    assert wording_changes("same words", "same words") == [Piece(Kind.SAME, "same words")]
    assert not is_changed(wording_changes("same words", "same words"))
    assert wording_changes("", "") == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab cé\n،ا😀1.", max_size=40),
    st.text(alphabet="ab cé\n،ا😀1.", max_size=40),
)
def test_the_pieces_spell_both_wordings(old, new):
    pieces = wording_changes(old, new)
    assert _sides(pieces) == (old, new)
    assert all(p.text for p in pieces)
    # Neighbours differ in kind: nothing is split for no reason.
    assert all(a.kind != b.kind for a, b in zip(pieces, pieces[1:], strict=False))
    assert is_changed(pieces) == (old != new)


def test_the_page_marks_deleted_and_inserted_characters_in_words_too():
    html = shown("Gabe said", "Gave said")
    assert html == (
        '<span class="wording-changes">Ga'
        '<del><span class="visually-hidden">[deleted: </span>b<span class="visually-hidden">]</span></del>'
        '<ins><span class="visually-hidden">[inserted: </span>v<span class="visually-hidden">]</span></ins>'
        "e said</span>"
    )


@pytest.mark.parametrize(
    ("old", "new", "said", "symbol"),
    [
        ("a b", "a\nb", "[inserted: a line break]", "¶"),
        ("a\nb", "a b", "[inserted: a space]", "␣"),
        ("ab", "a b", "[inserted: a space]", "␣"),
    ],
)
def test_a_changed_space_or_line_break_is_shown_and_named(old, new, said, symbol):
    html = shown(old, new)
    assert said in html
    assert f'<span aria-hidden="true">{symbol}</span>' in html


def test_hostile_words_are_escaped():
    html = shown("<b>x</b> said", '<script>alert("x")</script> said')
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;" in html and "&gt;" in html
