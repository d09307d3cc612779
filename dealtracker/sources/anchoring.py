"""Re-anchoring passages when a source's text is revised (DESIGN.md, "Anchoring").

Pure functions, no ORM: the caller loads the passages, calls `reanchor` once with
the old and new canonical texts, and stores the outcomes. Offsets are Unicode
code points (as the W3C TextPositionSelector and Python strings count); the
browser counts UTF-16 code units and converts with the helpers at the end.

For each passage, in order:

1. same place: the same quote with the same context at the same offsets;
2. the diff: old offsets are mapped through one diff of the two texts (common
   prefix and suffix trimmed at word boundaries, then an LCS diff of word tokens, characters
   within an edited word). The mapped span holds the quote: moved. It survived
   but its words were edited: changed, kept at the mapped span and flagged.
   This step comes before any search so that an edited quote follows its own
   sentence, never a look-alike elsewhere. Two exceptions, both about text
   that repeats itself: the exact quote a few characters off the mapped span
   (the diff placed an insertion at its edge), and the exact quote with its
   context intact at one other place when the diff paired look-alike
   paragraphs that were reordered;
3. a search of the new text for the quote, exactly and then fuzzily (at most
   `FUZZY_MAX_SHARE` of the quote's length in edits), scoring each candidate by
   the quote's similarity, its prefix and suffix, and its nearness to the
   diff-mapped position; only a clearly best candidate is accepted;
4. otherwise orphaned.

"moved" means found exactly by the diff or the search, even at the same
offsets when the context around it changed; it is flagged for review when the
context disagrees or a word was glued onto the quote's first or last word.
"changed" is always flagged. Cost: the diff is computed once per call and only
over the edited middle; a one-word correction of a 50 KB source with 500
passages takes a few milliseconds. Fuzzy search is the expensive part (a full
rewrite of such a source: about a second).
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

# Characters of context each side of a quote (the TextQuoteSelector's prefix/suffix).
CONTEXT_CHARS = 32

# Step 2: the mapped span "survived" when it is this similar to the old quote
# (normalised Levenshtein similarity), or when the text around it is untouched
# and the edit was confined to the quote (a figure changed, say) — see
# `_survived`. Unrelated sentences of one news report score 0.25 (median) to
# 0.37 (max) against each other, so these stay above that.
SURVIVED_SIMILARITY = 0.6
SURVIVED_SIMILARITY_IN_PLACE = 0.45
# A quote this short whose surroundings are untouched is "changed" whatever the
# new words are: a figure ("50" -> "42") is the typical case.
SHORT_QUOTE = 24
# Characters each side that must be unchanged for an edit to count as "in place".
IN_PLACE_CONTEXT = 12

# Step 3.
FUZZY_MAX_SHARE = 0.25  # edits allowed, as a share of the quote's length
FUZZY_MIN_LENGTH = 10  # shorter quotes match too much by chance to search fuzzily
FUZZY_MIN_SIMILARITY = 0.75
EXACT_MIN_CONTEXT = 0.35  # context agreement needed by an exact match of a short quote
EXACT_SELF_EVIDENT_LENGTH = 40  # a quote this long identifies itself
CONTEXT_AGREES = 0.75  # context this similar: an exact match needs no review
MIN_SCORE = 0.55
MARGIN = 0.05  # over the runner-up, to be "clearly best"
SURE_MARGIN = 0.15  # ... to need no review
# A quote the diff mapped exactly goes elsewhere only when its context agrees
# less than this on both sides where the diff put it, and at least HOME_CONTEXT
# on both sides of one other occurrence.
STRANGER_CONTEXT = 0.5
HOME_CONTEXT = 0.8
MAX_EXACT_CANDIDATES = 2000
FUZZY_WINDOWS = 4  # windows of the quote's length looked at closely...
FUZZY_WINDOW_SPREAD = 10  # ... if their ratio is this close to the best one's
MAX_ENDS_PER_REGION = 4
FUZZY_SCOPE = 100_000  # characters each side of the mapped position searched fuzzily

# Score of a search candidate = weights . (quote similarity, context similarity, nearness).
_W_QUOTE, _W_CONTEXT, _W_NEAR = 0.5, 0.35, 0.15

# Largest replaced run (old x new characters) diffed character by character.
_REFINE_MAX_CELLS = 4_000_000
# Largest word diff (old x new tokens) made in one go: about 40 MB and a second
# of rapidfuzz's bit-parallel LCS. Two 50 KB reports rewritten throughout fit.
_MAX_DIFF_CELLS = 300_000_000

_TOKEN = re.compile(r"\w+|\s+|.", re.DOTALL)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True)
class Anchor:
    """What a stored passage knows: its span in the old text and its quote selector."""

    start: int  # code point offsets into old_text
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Reanchored:
    """Where a passage landed in the new text, and how sure that is."""

    status: str  # "anchored" | "moved" | "changed" | "orphaned" (Passage.AnchorStatus values)
    start: int | None  # offsets into new_text (None when orphaned)
    end: int | None
    quote: str | None  # new_text[start:end] (None when orphaned)
    needs_review: bool  # True when not certain (fuzzy match, changed words)
    method: str  # "same" | "diff" | "exact-search" | "fuzzy-search" | "none"
    score: float  # 0..1 confidence


ORPHANED = Reanchored("orphaned", None, None, None, True, "none", 0.0)


def quote_selector(
    text: str, start: int, end: int, context: int = CONTEXT_CHARS
) -> tuple[str, str, str]:
    """(quote, prefix, suffix) of text[start:end] with `context` code points each side."""
    _check_span(text, start, end)
    if context < 0:
        raise ValueError("context must not be negative")
    return text[start:end], text[max(0, start - context) : start], text[end : end + context]


def anchor_for(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> Anchor:
    """The Anchor of text[start:end], with its context taken from text."""
    quote, prefix, suffix = quote_selector(text, start, end, context)
    return Anchor(start, end, quote, prefix, suffix)


def reanchor(old_text: str, new_text: str, anchors: Sequence[Anchor]) -> list[Reanchored]:
    """Re-anchor every anchor from old_text to new_text (both canonical).

    The diff is computed once for all anchors (and not at all when every anchor
    is found at its old place).
    """
    for anchor in anchors:
        if not anchor.quote or anchor.end <= anchor.start or anchor.start < 0:
            raise ValueError(f"an anchor must span a non-empty quote: {anchor!r}")
    results: list[Reanchored | None] = [_same_place(old_text, new_text, a) for a in anchors]
    if all(r is not None for r in results):
        return results  # type: ignore[return-value]
    diff = _Diff(old_text, new_text)
    searcher = _Searcher(new_text)
    out: list[Reanchored] = []
    for anchor, result in zip(anchors, results, strict=True):
        out.append(
            result
            if result is not None
            else _reanchor_one(old_text, new_text, anchor, diff, searcher)
        )
    return out


# --- step 1: same place ------------------------------------------------------


def _same_place(old_text: str, new_text: str, a: Anchor) -> Reanchored | None:
    if new_text[a.start : a.end] != a.quote:
        return None
    if old_text != new_text:
        lo, hi = max(0, a.start - CONTEXT_CHARS), a.end + CONTEXT_CHARS
        # Slices compare the boundaries too: a passage at the end of the old text
        # is not "the same" once text follows it.
        if old_text[lo:hi] != new_text[lo:hi]:
            return None
    return Reanchored("anchored", a.start, a.end, a.quote, False, "same", 1.0)


# --- step 2: the diff ---------------------------------------------------------


class _Diff:
    """One diff of old and new text, as blocks that map old offsets to new ones.

    The blocks partition the old text: ("equal" | "replace", i1, i2, j1, j2);
    a deletion is a replace with j1 == j2, a pure insertion covers no old text
    and therefore stays outside any span whose boundary it touches.
    """

    def __init__(self, old: str, new: str) -> None:
        self.old_len, self.new_len = len(old), len(new)
        # One contiguous edit (the common case: a correction) is then exact, and
        # the token diff below only sees the edited middle.
        head = _common_prefix_len(old, new)
        tail = _common_suffix_len(old[head:], new[head:])
        # Trimmed at word boundaries: a word cut in two ("phase the" -> "phase"
        # trims the shared "e") would be diffed as other words, and the
        # passages ending in it would lose their last characters.
        cut_head, cut_tail = head, tail
        while cut_head > 0 and (_inside_word(old, cut_head) or _inside_word(new, cut_head)):
            cut_head -= 1
        while cut_tail > 0 and (
            _inside_word(old, len(old) - cut_tail) or _inside_word(new, len(new) - cut_tail)
        ):
            cut_tail -= 1
        old_mid = old[cut_head : len(old) - cut_tail]
        new_mid = new[cut_head : len(new) - cut_tail]
        blocks: list[tuple[str, int, int, int, int]] = []
        if cut_head:
            blocks.append(("equal", 0, cut_head, 0, cut_head))
        blocks.extend(_token_blocks(old_mid, new_mid, cut_head, cut_head))
        if cut_tail:
            blocks.append(("equal", len(old) - cut_tail, len(old), len(new) - cut_tail, len(new)))
        self.blocks = _merge_equal(blocks)
        self.starts = [b[1] for b in self.blocks]
        # A single insertion or deletion can often be placed at several
        # positions (inserting "ab " before "ab cd" or after it gives the same
        # text). Those positions form an interval; each passage then takes the
        # reading that leaves it whole, when there is one.
        self.slide: tuple[int, int] | None = None
        shorter = min(len(old), len(new))
        if len(old) != len(new) and head + tail >= shorter:
            tail_full = _common_suffix_len(old, new)
            self.slide = (max(0, shorter - tail_full), min(head, shorter))
        # The same holds for each pure deletion or insertion among several
        # edits: the diff puts it at one of the places it could sit ("X.\n"
        # deleted after "talks." may come out as ".\nX" deleted from "talks"
        # on), so a passage boundary inside that range would lose or gain
        # characters that were never edited. Each boundary is mapped as if the
        # hunk sat on the passage's outer side of it (map_start, map_end).
        self.deletions, self.insertions = self._sliding_hunks(old, new)

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Where old[start:end] lies in the new text (an empty span if it was deleted)."""
        if self.slide is not None:
            lo, hi = self.slide
            size = abs(self.new_len - self.old_len)
            grows = self.new_len > self.old_len
            if hi >= end:  # the edit can sit after the passage
                return start, end
            if grows and lo <= start:  # an insertion before it
                return start + size, end + size
            if not grows and lo + size <= start:  # a deletion before it
                return start - size, end - size
        ns, ne = self.map_start(start), self.map_end(end)
        if ne <= ns:
            # Both boundaries inside the range of one hunk that repeats the
            # text around it: read them with the hunk where the diff put it.
            return self._map_start(start), self._map_end(end)
        return ns, ne

    def map_start(self, p: int) -> int:
        """Where a passage starting at old offset p starts in the new text.

        A deletion that can end at p is read as ending there, and an insertion
        that can sit at p as sitting there: neither then touches the passage.
        """
        for _, i2, left, right, j in self._near(self.deletions, p):
            if i2 - left <= p <= i2 + right:
                return j + (p - i2)
        for i, _, left, _, _ in self._near(self.insertions, p):
            if i - left <= p < i:
                return self._map_start(i) - (i - p)
        return self._map_start(p)

    def map_end(self, e: int) -> int:
        """Where a passage ending at old offset e ends in the new text.

        A deletion that can start at e is read as starting there, and an
        insertion that can sit at e as sitting there.
        """
        for i1, _, left, right, j in self._near(self.deletions, e):
            if i1 - left <= e <= i1 + right:
                return j + (e - i1)
        for i, _, _, right, _ in self._near(self.insertions, e):
            if i < e <= i + right:
                return self._map_end(i) + (e - i)
        return self._map_end(e)

    def _map_start(self, p: int) -> int:
        if p >= self.old_len:
            return self.new_len
        tag, i1, i2, j1, j2 = self.blocks[bisect.bisect_right(self.starts, p) - 1]
        if tag == "equal":
            return j1 + (p - i1)
        return j1 + ((p - i1) * (j2 - j1)) // (i2 - i1)

    def _map_end(self, e: int) -> int:
        if e <= 0:
            return 0
        tag, i1, i2, j1, j2 = self.blocks[bisect.bisect_right(self.starts, e - 1) - 1]
        if tag == "equal":
            return j1 + (e - i1)
        return j1 + -((-(e - i1) * (j2 - j1)) // (i2 - i1))  # ceiling

    @staticmethod
    def _near(
        hunks: list[tuple[int, int, int, int, int]], p: int
    ) -> list[tuple[int, int, int, int, int]]:
        """The hunks whose range of places may reach old offset p (hunks sorted by place)."""
        if not hunks:
            return []
        k = bisect.bisect_left(hunks, (p + 1,))
        # Ranges of neighbouring hunks cannot overlap (an equal block lies
        # between them), so the hunk before and the one after are enough.
        return hunks[max(0, k - 1) : k + 1]

    def _sliding_hunks(
        self, old: str, new: str
    ) -> tuple[list[tuple[int, int, int, int, int]], list[tuple[int, int, int, int, int]]]:
        """Pure deletions and insertions with the range of places each could sit at.

        Deletions: (i1, i2, left, right, j) for old[i1:i2] deleted at new offset
        j, which could as well be old[i1 - k:i2 - k] for k up to left, or shifted
        right by up to right. Insertions: (i, i, left, right, j) for text
        inserted at old offset i, which could sit anywhere in i - left..i + right.
        A hunk only slides over the equal blocks next to it.
        """
        deletions: list[tuple[int, int, int, int, int]] = []
        insertions: list[tuple[int, int, int, int, int]] = []
        blocks = self.blocks
        for k, (tag, i1, i2, j1, j2) in enumerate(blocks):
            before = blocks[k - 1] if k > 0 and blocks[k - 1][0] == "equal" else None
            after = blocks[k + 1] if k + 1 < len(blocks) and blocks[k + 1][0] == "equal" else None
            if tag == "replace" and j1 == j2:
                size = i2 - i1
                left = right = 0
                if before is not None and before[2] == i1:
                    lo = before[1]
                    left = _common_suffix_len(old[lo:i1], old[lo + size : i2])
                if after is not None and after[1] == i2:
                    hi = after[2]
                    right = _common_prefix_len(old[i1 : hi - size], old[i2:hi])
                if left or right:
                    deletions.append((i1, i2, left, right, j1))
            elif tag == "equal" and after is not None and after[1] == i2 and after[3] > j2:
                # Text new[j2:after[3]] inserted between two equal blocks at old offset i2.
                size = after[3] - j2
                lo, hi = j1, after[4]
                left = _common_suffix_len(new[lo:j2], new[lo + size : j2 + size])
                right = _common_prefix_len(new[j2 : hi - size], new[j2 + size : hi])
                if left or right:
                    insertions.append((i2, i2, left, right, j2))
        return deletions, insertions

    def is_unchanged(self, i1: int, i2: int) -> bool:
        """Whether old[i1:i2] lies inside one equal block (kept as it was)."""
        if i1 >= i2:
            return True
        tag, b1, b2, _, _ = self.blocks[bisect.bisect_right(self.starts, i1) - 1]
        return tag == "equal" and b1 <= i1 and i2 <= b2


def _token_blocks(
    old: str, new: str, i0: int, j0: int, *, by_lines: bool = True
) -> list[tuple[str, int, int, int, int]]:
    """Blocks of a word diff of old and new (which start at i0 and j0 of the full texts).

    The LCS diff takes time and memory in proportion to the product of the
    token counts; past _MAX_DIFF_CELLS (a long report rewritten throughout)
    lines are diffed first and words only within the runs of changed lines,
    and a run still too large is left as one replaced block (its passages are
    then found by the search).
    """
    if not old or not new:
        return [("replace", i0, i0 + len(old), j0, j0 + len(new))] if old else []
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(old_tokens) * len(new_tokens) <= _MAX_DIFF_CELLS:
        blocks = _blocks(
            Indel.opcodes(old_tokens, new_tokens),
            _offsets(old_tokens, i0),
            _offsets(new_tokens, j0),
        )
        return _merge_equal(_refine(blocks, old, new, i0, j0))
    old_lines, new_lines = _LINE.findall(old), _LINE.findall(new)
    if not by_lines or len(old_lines) * len(new_lines) > _MAX_DIFF_CELLS:
        return [("replace", i0, i0 + len(old), j0, j0 + len(new))]
    out: list[tuple[str, int, int, int, int]] = []
    line_blocks = _blocks(
        Indel.opcodes(old_lines, new_lines), _offsets(old_lines, i0), _offsets(new_lines, j0)
    )
    for block in line_blocks:
        tag, i1, i2, j1, j2 = block
        if tag == "replace" and j2 > j1:
            out.extend(
                _token_blocks(
                    old[i1 - i0 : i2 - i0], new[j1 - j0 : j2 - j0], i1, j1, by_lines=False
                )
            )
        else:
            out.append(block)
    return _merge_equal(out)


def _blocks(
    opcodes, old_at: Sequence[int], new_at: Sequence[int]
) -> list[tuple[str, int, int, int, int]]:
    """Blocks from rapidfuzz opcodes, runs of inserts and deletes merged into replaces."""
    blocks: list[tuple[str, int, int, int, int]] = []
    pending: list[int] | None = None  # [i1, i2, j1, j2] of adjacent inserts and deletes

    def flush() -> None:
        if pending is not None and pending[1] > pending[0]:  # a pure insertion covers no old text
            blocks.append(("replace", pending[0], pending[1], pending[2], pending[3]))

    for op in opcodes:
        i1, i2 = old_at[op.src_start], old_at[op.src_end]
        j1, j2 = new_at[op.dest_start], new_at[op.dest_end]
        if op.tag == "equal":
            flush()
            pending = None
            blocks.append(("equal", i1, i2, j1, j2))
        elif pending is None:
            pending = [i1, i2, j1, j2]
        else:
            pending = [
                min(pending[0], i1),
                max(pending[1], i2),
                min(pending[2], j1),
                max(pending[3], j2),
            ]
    flush()
    return blocks


def _refine(
    blocks: list[tuple[str, int, int, int, int]], old: str, new: str, i0: int, j0: int
) -> list[tuple[str, int, int, int, int]]:
    """Diff characters inside a replaced run of text with no spaces in it.

    Such a run is one edited word, or a whole clause of a script written without
    spaces (Chinese, Japanese, Thai), where one word token can be a sentence
    long. Across spaces, a character diff of reworded text would pair stray
    letters ("Israel" inside "the Israeli government"), so words stay whole.
    """
    out: list[tuple[str, int, int, int, int]] = []
    for block in blocks:
        tag, i1, i2, j1, j2 = block
        a, b = old[i1 - i0 : i2 - i0], new[j1 - j0 : j2 - j0]
        if (
            tag != "replace"
            or not a
            or not b
            or len(a) * len(b) > _REFINE_MAX_CELLS
            or any(ch.isspace() for ch in a + b)
        ):
            out.append(block)
            continue
        out.extend(_blocks(Indel.opcodes(a, b), range(i1, i2 + 1), range(j1, j2 + 1)))
    return out


def _merge_equal(
    blocks: list[tuple[str, int, int, int, int]],
) -> list[tuple[str, int, int, int, int]]:
    out: list[tuple[str, int, int, int, int]] = []
    for block in blocks:
        if (
            out
            and block[0] == "equal"
            and out[-1][0] == "equal"
            and out[-1][2] == block[1]
            and out[-1][4] == block[3]
        ):
            out[-1] = ("equal", out[-1][1], block[2], out[-1][3], block[4])
        else:
            out.append(block)
    return out


def _offsets(tokens: list[str], base: int) -> list[int]:
    at = [base]
    for token in tokens:
        at.append(at[-1] + len(token))
    return at


def _common_prefix_len(a: str, b: str) -> int:
    # Binary search on slice equality: memcmp speed, not a Python loop per character.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_len(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def _inside_word(text: str, i: int) -> bool:
    return 0 < i < len(text) and _is_word(text[i - 1]) and _is_word(text[i])


def _glued(old: str, i: int, new: str, j: int) -> bool:
    """Whether old offset i fell between words and its new place j falls inside one."""
    return not _inside_word(old, i) and _inside_word(new, j)


def _survived(
    old_text: str, new_text: str, a: Anchor, diff: _Diff, ns: int, ne: int
) -> float | None:
    """Similarity of the mapped span to the quote when the span survived the edit, else None."""
    if ne <= ns:
        return None
    similarity = Levenshtein.normalized_similarity(a.quote, new_text[ns:ne])
    if similarity >= SURVIVED_SIMILARITY:
        return similarity
    # Edited in place: the text just around the quote is untouched by the diff.
    k = IN_PLACE_CONTEXT
    in_place = (
        old_text[a.start : a.end] == a.quote
        and diff.is_unchanged(max(0, a.start - k), a.start)
        and diff.is_unchanged(a.end, min(len(old_text), a.end + k))
        and (a.start == 0) == (ns == 0)
        and (a.end == len(old_text)) == (ne == len(new_text))
    )
    if in_place and (similarity >= SURVIVED_SIMILARITY_IN_PLACE or len(a.quote) <= SHORT_QUOTE):
        return similarity
    return None


def _reanchor_one(
    old_text: str, new_text: str, a: Anchor, diff: _Diff, searcher: _Searcher
) -> Reanchored:
    consistent = old_text[a.start : a.end] == a.quote
    if consistent:  # the old text is the truth about the context
        prefix = old_text[max(0, a.start - CONTEXT_CHARS) : a.start]
        suffix = old_text[a.end : a.end + CONTEXT_CHARS]
    else:
        prefix, suffix = a.prefix, a.suffix
    hint = round(a.start * len(new_text) / max(1, len(old_text)))
    if a.end <= len(old_text):
        ns, ne = diff.map_span(a.start, a.end)
        hint = ns
        # A word edited at the quote's edge ("deal" -> "dealings"): the quote's
        # characters are all there, but an editor should look.
        glued = _glued(old_text, a.start, new_text, ns) or _glued(old_text, a.end, new_text, ne)
        if ne > ns and new_text[ns:ne] == a.quote:
            # A repeated quote: the diff may have paired this occurrence with
            # another one (paragraphs swapped, say); the context decides.
            elsewhere = searcher.better_exact(a.quote, prefix, suffix, ns, ne, exact_here=True)
            if elsewhere is not None:
                return elsewhere
            return Reanchored("moved", ns, ne, a.quote, glued, "diff", 1.0)
        # Where the text repeats itself the diff may pair characters a little
        # off (text inserted at a passage's edge that repeats its first words):
        # the exact quote right there is the better reading.
        nearby = searcher.exact_near(a.quote, prefix, suffix, ns, ne)
        if nearby is not None:
            return nearby
        similarity = _survived(old_text, new_text, a, diff, ns, ne) if consistent else None
        if similarity is not None:
            elsewhere = searcher.better_exact(a.quote, prefix, suffix, ns, ne, exact_here=False)
            if elsewhere is not None:
                return elsewhere
            return Reanchored(
                "changed", ns, ne, new_text[ns:ne], True, "diff", round(similarity, 3)
            )
    return searcher.search(a.quote, prefix, suffix, hint)


# --- step 3: search -----------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    quote_similarity: float
    context: float
    score: float


class _Searcher:
    def __init__(self, text: str) -> None:
        self.text = text

    def search(self, quote: str, prefix: str, suffix: str, hint: int) -> Reanchored:
        exact = self._exact(quote)
        if exact:
            scored = sorted(
                (self._score(s, s + len(quote), 1.0, prefix, suffix, hint) for s in exact),
                key=_rank,
            )
            best, margin = scored[0], _margin(scored)
            if margin < MARGIN:
                return ORPHANED  # told apart neither by context nor by place
            if best.context < EXACT_MIN_CONTEXT and len(quote) < EXACT_SELF_EVIDENT_LENGTH:
                return ORPHANED  # a short quote in another context is another statement
            sure = best.context >= CONTEXT_AGREES and (len(scored) == 1 or margin >= SURE_MARGIN)
            return Reanchored(
                "moved", best.start, best.end, quote, not sure, "exact-search", round(best.score, 3)
            )
        if len(quote) < FUZZY_MIN_LENGTH:
            return ORPHANED
        scored = sorted(self._fuzzy(quote, prefix, suffix, hint), key=_rank)
        if not scored:
            return ORPHANED
        best = scored[0]
        if best.score < MIN_SCORE or _margin(scored) < MARGIN:
            return ORPHANED
        text = self.text[best.start : best.end]
        return Reanchored(
            "changed", best.start, best.end, text, True, "fuzzy-search", round(best.score, 3)
        )

    def sides(self, start: int, end: int, prefix: str, suffix: str) -> tuple[float, float]:
        """How far the text before and after start..end agrees with prefix and suffix (0..1 each)."""
        text = self.text
        before = _context_similarity(
            prefix, text[max(0, start - len(prefix)) : start], at_edge=start == 0
        )
        after = _context_similarity(suffix, text[end : end + len(suffix)], at_edge=end == len(text))
        return before, after

    def context(self, start: int, end: int, prefix: str, suffix: str) -> float:
        """How far the text around start..end agrees with prefix and suffix (0..1)."""
        before, after = self.sides(start, end, prefix, suffix)
        # Each side weighs by its length: a passage near the start of the old
        # text has a short prefix, which says little.
        weight_before, weight_after = len(prefix) + 1, len(suffix) + 1
        return (before * weight_before + after * weight_after) / (weight_before + weight_after)

    def better_exact(
        self, quote: str, prefix: str, suffix: str, ns: int, ne: int, *, exact_here: bool
    ) -> Reanchored | None:
        """Another exact occurrence, when the diff paired look-alike paragraphs.

        That happens when paragraphs are reordered. Taken only when the quote
        with the context on both sides is found at exactly one other place, and
        - the diff mapped the quote exactly (exact_here) but among strangers:
          the context disagrees on both sides (one edit next to a passage
          changes one side only);
        - or the diff mapped it to other words: the quote with its context
          intact elsewhere is then the better reading, flagged for review.
        An edited quote next to a look-alike sentence never moves here: the
        look-alike is not the exact quote with its context.
        """
        mapped = ns
        if exact_here and max(self.sides(ns, ne, prefix, suffix)) >= STRANGER_CONTEXT:
            return None
        others = [
            s
            for s in self._exact(quote)
            if s != mapped and min(self.sides(s, s + len(quote), prefix, suffix)) >= HOME_CONTEXT
        ]
        if len(others) != 1:
            return None
        start = others[0]
        score = _W_QUOTE + _W_CONTEXT * self.context(start, start + len(quote), prefix, suffix)
        return Reanchored(
            "moved",
            start,
            start + len(quote),
            quote,
            not exact_here,
            "exact-search",
            round(score, 3),
        )

    def exact_near(
        self, quote: str, prefix: str, suffix: str, ns: int, ne: int
    ) -> Reanchored | None:
        """The exact quote sharing a boundary with the diff-mapped span ns..ne, if any.

        Where the text repeats itself, the diff may place an insertion or a
        deletion next to a passage a few characters into it ("ab" inserted
        before "ab..."): the mapped span then has one boundary right and holds
        the quote plus or minus a few characters at the other.
        """
        text, m = self.text, len(quote)
        found = [
            (self.context(at, at + m, prefix, suffix), at)
            for at in {ns, ne - m}
            if 0 <= at and at + m <= len(text) and text.startswith(quote, at)
        ]
        if not found:
            return None
        context, start = max(found)
        score = _W_QUOTE + _W_CONTEXT * context + _W_NEAR
        return Reanchored(
            "moved", start, start + m, quote, context < CONTEXT_AGREES, "diff", round(score, 3)
        )

    def _exact(self, quote: str) -> list[int]:
        found, at = [], self.text.find(quote)
        while at != -1 and len(found) < MAX_EXACT_CANDIDATES:
            found.append(at)
            at = self.text.find(quote, at + 1)
        return found

    def _score(
        self, start: int, end: int, quote_similarity: float, prefix: str, suffix: str, hint: int
    ) -> _Candidate:
        text = self.text
        context = self.context(start, end, prefix, suffix)
        near = max(0.0, 1.0 - abs(start - hint) / max(1, len(text)))
        score = _W_QUOTE * quote_similarity + _W_CONTEXT * context + _W_NEAR * near
        return _Candidate(start, end, quote_similarity, context, score)

    def _fuzzy(self, quote: str, prefix: str, suffix: str, hint: int) -> list[_Candidate]:
        """Approximate occurrences of quote, at most FUZZY_MAX_SHARE of its length in edits.

        Windows of the quote's length are ranked in C (rapidfuzz); around the
        best few (and around the diff-mapped position) a bit-parallel
        semi-global edit distance (Myers 1999) finds where matches end, and a
        short scan of starts finds where they begin. In a very long text only
        FUZZY_SCOPE characters each side of the mapped position are scanned,
        which bounds the cost of a long report rewritten throughout.
        """
        text, m = self.text, len(quote)
        max_edits = max(1, math.floor(FUZZY_MAX_SHARE * m))
        stride = max(1, m // 4)
        first = max(0, hint - FUZZY_SCOPE)
        last = min(max(1, len(text) - m + 1), hint + FUZZY_SCOPE)
        starts = list(range(first, max(first + 1, last), stride))
        windows = [text[s : s + m] for s in starts]
        ranked = process.extract(
            quote, windows, scorer=fuzz.ratio, limit=4 * FUZZY_WINDOWS, score_cutoff=50
        )
        # Neighbouring windows of one match rank alike: keep distinct places,
        # so that a rival match elsewhere is seen and the margin means something.
        chosen: list[int] = []
        top = ranked[0][1] if ranked else 0
        for _, ratio, i in ranked:
            if len(chosen) == FUZZY_WINDOWS or ratio < top - FUZZY_WINDOW_SPREAD:
                break
            if all(abs(starts[i] - c) >= m for c in chosen):
                chosen.append(starts[i])
        pad = max_edits + stride
        regions = sorted(
            [(max(0, c - pad), min(len(text), c + m + pad)) for c in chosen]
            + [(max(0, hint - pad), min(len(text), hint + m + pad))]
        )
        merged: list[list[int]] = []
        for lo, hi in regions:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        candidates: list[_Candidate] = []
        for lo, hi in merged:
            for end, _ in _match_ends(quote, text, lo, hi, max_edits):
                start = _best_start(quote, text, lo, end, max_edits)
                if start is None:
                    continue
                similarity = Levenshtein.normalized_similarity(quote, text[start:end])
                if similarity < FUZZY_MIN_SIMILARITY:
                    continue
                candidates.append(self._score(start, end, similarity, prefix, suffix, hint))
        # Overlapping candidates are one match: keep the best of each cluster.
        candidates.sort(key=_rank)
        kept: list[_Candidate] = []
        for c in candidates:
            if all(c.end <= k.start or c.start >= k.end for k in kept):
                kept.append(c)
        return kept


def _rank(c: _Candidate) -> tuple[float, int]:
    return (-c.score, c.start)


def _margin(scored: list[_Candidate]) -> float:
    return 1.0 if len(scored) == 1 else scored[0].score - scored[1].score


def _context_similarity(expected: str, found: str, *, at_edge: bool) -> float:
    if not expected:
        # The passage was at the edge of the old text: agreeing means being at the edge again.
        return 1.0 if at_edge else 0.5
    return Levenshtein.normalized_similarity(expected, found)


def _match_ends(quote: str, text: str, lo: int, hi: int, max_edits: int) -> list[tuple[int, int]]:
    """(end, edits) of the best approximate matches of quote ending in text[lo:hi].

    Myers' bit-vector algorithm with Python integers as bit vectors: one pass,
    a handful of integer operations per character of text. A match may start
    anywhere (semi-global), so the distances are those of the best substring
    ending at each position. Returns local minima at or under max_edits.
    """
    m = len(quote)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, ch in enumerate(quote):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    pv, mv, score = mask, 0, m
    scores: list[int] = []
    for ch in text[lo:hi]:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        scores.append(score)
    ends = []
    for i, s in enumerate(scores):
        if s > max_edits:
            continue
        if (i == 0 or scores[i - 1] > s) and (i + 1 == len(scores) or scores[i + 1] >= s):
            ends.append((s, lo + i + 1))
    if not ends:
        return []
    # The best few: a far worse local minimum is noise, not a rival.
    best = min(ends)[0]
    slack = max(1, max_edits // 4)
    return [(end, s) for s, end in sorted(ends)[:MAX_ENDS_PER_REGION] if s <= best + slack]


def _best_start(quote: str, text: str, lo: int, end: int, max_edits: int) -> int | None:
    """The start of the closest substring of text ending at `end` (ties: nearest the quote's length)."""
    m = len(quote)
    best: tuple[int, int, int] | None = None
    for start in range(max(lo, end - m - max_edits), max(lo, end - m + max_edits) + 1):
        if start >= end:
            break
        d = Levenshtein.distance(quote, text[start:end], score_cutoff=max_edits)
        if d > max_edits:
            continue
        key = (d, abs((end - start) - m), start)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


# --- UTF-16 offsets (the browser's) ----------------------------------------------


def codepoint_to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of code point `offset` in text."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text (0..{len(text)})")
    return len(text[:offset].encode("utf-16-le", "surrogatepass")) // 2


def utf16_to_codepoint(text: str, utf16_offset: int) -> int:
    """The code point offset of UTF-16 offset `utf16_offset` in text.

    Raises ValueError when the offset is outside the text or falls between the
    two halves of a surrogate pair (a non-BMP character such as an emoji).
    """
    units = text.encode("utf-16-le", "surrogatepass")
    if not 0 <= utf16_offset <= len(units) // 2:
        raise ValueError(f"UTF-16 offset {utf16_offset} is outside the text (0..{len(units) // 2})")
    if 0 < utf16_offset < len(units) // 2:
        before = int.from_bytes(units[2 * utf16_offset - 2 : 2 * utf16_offset], "little")
        after = int.from_bytes(units[2 * utf16_offset : 2 * utf16_offset + 2], "little")
        if 0xD800 <= before <= 0xDBFF and 0xDC00 <= after <= 0xDFFF:
            raise ValueError(f"UTF-16 offset {utf16_offset} splits a surrogate pair")
    return len(units[: 2 * utf16_offset].decode("utf-16-le", "surrogatepass"))


def _check_span(text: str, start: int, end: int) -> None:
    if (
        not (isinstance(start, int) and isinstance(end, int))
        or isinstance(start, bool)
        or isinstance(end, bool)
    ):
        raise ValueError("offsets must be integers")
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"span {start}..{end} is not a non-empty span of the text (0..{len(text)})"
        )


def map_offsets(old_text: str, new_text: str, offsets: Sequence[int]) -> list[int]:
    """Where positions of the old text fall in the new one (e.g. the starts of a document's pages)."""
    if not offsets:
        return []
    if old_text == new_text:
        return list(offsets)
    diff = _Diff(old_text, new_text)
    return [min(max(diff.map_start(p), 0), len(new_text)) for p in offsets]
