"""Context around quotes and search matches: cut between words, with an ellipsis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dealtracker.sources.snippets import (
    ELLIPSIS,
    context_after,
    context_before,
    is_end_of,
    is_start_of,
)


def test_context_cut_from_a_longer_text_starts_and_ends_with_whole_words():
    assert context_before("ent to withdraw from", cut=True) == "…to withdraw from"
    assert context_after("agreed in Janu", cut=True) == "agreed in…"


def test_a_space_just_outside_the_cut_keeps_the_edge_word():
    # One character more than needed: a space there means "withdraw" is whole.
    assert context_before(" withdraw from", cut=True) == "…withdraw from"
    assert context_after("agreed in January ", cut=True) == "agreed in January…"


def test_context_that_reaches_the_text_edge_is_left_whole():
    assert context_before("Israel agreed", cut=False) == "Israel agreed"
    assert context_after("in Janu", cut=False) == "in Janu"


def test_a_lone_partial_word_is_only_an_ellipsis():
    assert context_before("ceasefire", cut=True) == ELLIPSIS
    assert context_after("ceasefire", cut=True) == ELLIPSIS


def test_line_breaks_count_as_word_boundaries():
    assert context_before("ort.\n\nThe second", cut=True) == "…The second"


WORDS = st.lists(st.text(alphabet="abcdé", min_size=1, max_size=8), min_size=1, max_size=12)


@given(words=WORDS, cut_at=st.integers(0, 200))
def test_no_partial_word_is_ever_shown(words, cut_at):
    text = " ".join(words)
    cut_at = min(cut_at, len(text))
    before = context_before(text[cut_at:], cut=cut_at > 0)
    shown = before.removeprefix(ELLIPSIS).split()
    if cut_at > 0 and text[cut_at - 1] != " ":
        # The first shown word is a whole word of the text, not a tail of one.
        assert all(w in words for w in shown)
    after = context_after(text[:cut_at], cut=cut_at < len(text))
    assert all(w in words for w in after.removesuffix(ELLIPSIS).split())


def test_a_snippet_is_told_from_the_start_and_end_of_its_text():
    text = "Short text with ceasefire in it."
    assert is_start_of("Short text with ceasefire", text[:80])
    assert not is_end_of("Short text with ceasefire", text[-80:])
    assert is_end_of("ceasefire in it.", text[-80:])
    assert not is_start_of("ready to proceed", "Hamas is prepared to release")
    # Runs of spaces and line breaks count as one space.
    assert is_start_of("Hamas is\nprepared", "Hamas is  prepared to release")
