"""Highlighting: any set of passages, overlapping or not, over any text."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from dealtracker.desk.passage_marks import Span, mark_passages


class _Coverage(HTMLParser):
    """For each character of the rendered text, the passages whose <mark>s enclose it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[int | None] = []
        self.text: list[str] = []
        self.covered: list[frozenset[int]] = []
        self.first_ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mark":
            self.stack.append(int(attrs["data-passage"]))
            if "id" in attrs:
                self.first_ids.append(attrs["id"])
        elif tag == "a":
            self.stack.append(None)

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        for ch in data:
            self.text.append(ch)
            self.covered.append(frozenset(p for p in self.stack if p is not None))


TEXT = st.text(alphabet=st.sampled_from(list("ab <>&\"'\nصغ🕊️é😠")), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_character_is_inside_exactly_the_marks_of_the_passages_covering_it(data):
    text = data.draw(TEXT)
    n = len(text)
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), max_size=8))
    spans = [
        Span(i + 1, s, e, f"/p/{i + 1}/", f"Passage {i + 1}", i + 1)
        for i, (s, e) in enumerate(pairs)
        if s < e
    ]
    parser = _Coverage()
    parser.feed(str(mark_passages(text, spans)))
    parser.close()
    assert parser.stack == []  # every element closed
    assert "".join(parser.text) == text
    for i in range(n):
        assert parser.covered[i] == {s.id for s in spans if s.start <= i < s.end}
    # Each passage has exactly one element carrying its anchor id.
    assert sorted(parser.first_ids) == sorted(f"passage-{s.id}" for s in spans)


def test_spans_outside_the_text_are_left_out():
    out = str(mark_passages("abc", [Span(1, 2, 9, "/p/1/", "P", 1)]))
    assert out == "abc"


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_fragment_of_the_chosen_passage_and_no_other_is_marked_selected(data):
    text = data.draw(TEXT)
    n = len(text)
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), min_size=1, max_size=6)
    )
    spans = [
        Span(i + 1, s, e, f"/p/{i + 1}/", f"Passage {i + 1}", i + 1)
        for i, (s, e) in enumerate(pairs)
        if s < e
    ]
    if not spans:
        return
    chosen = data.draw(st.sampled_from(spans)).id
    marks = _Marks()
    marks.feed(str(mark_passages(text, spans, selected=chosen)))
    assert {p for p, selected in marks.seen if selected} == {chosen}
    assert all(selected for p, selected in marks.seen if p == chosen)
    # The text is unchanged: the selection script's offsets still count on it.
    assert "".join(marks.text) == text


class _Marks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.seen: list[tuple[int, bool]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mark":
            self.seen.append((int(attrs["data-passage"]), "hl-selected" in attrs["class"].split()))

    def handle_data(self, data):
        self.text.append(data)
