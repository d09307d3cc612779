"""Splitting a canonical text into sentences with exact offsets (pure, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dealtracker.sources.canonical import canonicalize
from dealtracker.suggestions.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_each_sentence_is_the_text_at_its_offsets():
    text = "Hamas freed 33 hostages. Israel withdrew.\n\nPhase two did not begin!"
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
    assert texts(text) == [
        "Hamas freed 33 hostages.",
        "Israel withdrew.",
        "Phase two did not begin!",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence():
    text = (
        "Mr. Witkoff met the U.S. envoy at 3.5 km from Rafah on Jan. 5, said Gen. J. Smith. "
        "The talks ended."
    )
    assert texts(text) == [
        "Mr. Witkoff met the U.S. envoy at 3.5 km from Rafah on Jan. 5, said Gen. J. Smith.",
        "The talks ended.",
    ]


def test_a_lower_case_word_after_a_stop_continues_the_sentence():
    assert texts("About 20 trucks entered approx. at noon. Aid stalled.") == [
        "About 20 trucks entered approx. at noon.",
        "Aid stalled.",
    ]


def test_closing_quotes_belong_to_the_sentence_and_lines_always_end_one():
    text = "“We will not withdraw.” The minister left\nHeadline without a stop\n- a bullet point"
    assert texts(text) == [
        "“We will not withdraw.”",
        "The minister left",
        "Headline without a stop",
        "a bullet point",
    ]


def test_arabic_sentences_split_at_stops_and_question_marks():
    text = "قال المسؤول إن إسرائيل لم تنسحب. هل ستبدأ المرحلة الثانية؟ لا أحد يعرف."
    assert texts(text) == [
        "قال المسؤول إن إسرائيل لم تنسحب.",
        "هل ستبدأ المرحلة الثانية؟",
        "لا أحد يعرف.",
    ]


@given(st.text(alphabet=st.sampled_from(list('ab .!?\n؟…"”U.S')), max_size=120))
def test_sentences_are_ordered_non_empty_spans_of_any_text(raw):
    text = canonicalize(raw)
    previous_end = 0
    for sentence in split_sentences(text):
        assert sentence.start >= previous_end and sentence.end > sentence.start
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        previous_end = sentence.end
