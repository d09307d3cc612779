"""Re-anchoring passages when a source's text is revised (DESIGN.md, "Anchoring").

Pure functions, no ORM: the caller loads the passages, calls `reanchor` once with
the old and new canonical texts, and stores the outcomes. Offsets are Unicode
code points (as the W3C TextPositionSelector and Python strings count); the
browser counts UTF-16 code units and converts with the helpers at the end.

For each passage:

1. the diff: old offsets are mapped through one diff of the two texts (common
   prefix and suffix trimmed at word boundaries, then an LCS diff of lines,
   of word tokens within the changed lines, of characters within an edited
   word). The mapped span holds the quote: that exact copy is the diff's
   reading (also when it lies a few characters off, where the text repeats
   itself at the passage's edge). The span survived but its words were
   edited: changed, kept at the mapped span and always flagged; an edited
   quote follows its own sentence, never a look-alike of its old words
   elsewhere, unless its context agrees on neither side;
2. every exact copy of the quote in the new text is then judged by one rule,
   wherever it came from: its context is compared side by side with the
   passage's old context, near (the selector's CONTEXT_CHARS, forgiving a word
   inserted or deleted), then the rest of the passage's line exactly there,
   the run of exactly the same text, and a wider context. The diff's copy
   stays when its context agrees on both sides; otherwise the best copy whose
   context agrees on both sides takes its place. A copy the diff kept from
   another old place that fits that place at least as well is that place's;
3. a copy is accepted silently (anchored or moved, needs_review false) only
   when the choice is clear-cut: its context agrees on both sides (a short
   quote found away from the diff's place: its line, or all but a word), no
   other copy fits as well on either side, no other old copy of the quote
   fits its place as well, and neither reading of the edits is in doubt (a
   deleted or inserted copy of repeated text that could have been the one
   next to it; the passage's paragraph doubled; its words or surroundings
   copied or edited into a look-alike nearby). Otherwise it is flagged. A
   short quote (under EXACT_SELF_EVIDENT_LENGTH) with several copies goes
   nowhere whose context agrees less than MIN_CONTEXT, the diff's copy
   included when it sits among strangers (an unrelated rewrite); a quote
   found exactly once in the new text is never orphaned;
4. no exact copy: the quote in another letter case (a headline in capitals
   rewritten in sentence case), changed and flagged; then a fuzzy search (at
   most FUZZY_MAX_SHARE of the quote's length in edits), changed and flagged,
   only a clearly best candidate;
5. otherwise orphaned.

"anchored" means at the same offsets with the same context; "moved" means
found exactly elsewhere or with other context. "changed" is always flagged.
Cost: the diff is computed once per call and only over the edited middle; a
passage whose wide context is untouched and found nowhere else is settled
without looking at other copies, so a one-word correction of a 50 KB source
with 500 passages takes a few tens of milliseconds. Passages in edited
surroundings cost more (every copy of their quote is judged), fuzzy search
most (a full rewrite of such a source: a few seconds).
bench/anchoring_truth.py counts, over generated reports that repeat
themselves, how many passages go silently to a wrong place.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

# Characters of context each side of a quote (the TextQuoteSelector's prefix/suffix).
CONTEXT_CHARS = 32

# Step 1: the mapped span "survived" when it is this similar to the old quote
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

# Steps 2 and 3, one rule for every candidate wherever it comes from (the diff,
# the exact search, the case-insensitive search): its context is compared side by side
# with the passage's old context, near (the selector's CONTEXT_CHARS) and wide.
# Near similarity forgives a word inserted or deleted (1 - edits / length, the
# found text may run _SLACK characters longer or shorter); unrelated text of one
# report scores 0.2 (median) to 0.3 (90th percentile) on a side, a side with one
# word edited about 0.75.
WIDE_CONTEXT = 160  # characters each side that tell look-alike siblings apart
REACH = 2000  # at most this many characters of exactly the same text counted each side
SIDE_AGREES = 0.75  # a side agrees when at least this similar
SIDE_SURE = 0.9  # ... and is the same but for a word
TELLING_CONTEXT = 8  # characters of exactly the same text that keep a passage in place
MIN_CONTEXT = 0.5  # a short quote with several copies goes nowhere whose context agrees less
EXACT_SELF_EVIDENT_LENGTH = 40  # a quote this long, found once, identifies itself
STRANGER_CONTEXT = 0.4  # among strangers: less than this on every side
TIE = 0.004  # similarities this close are equal (one character of the wide context is more)
MAX_EXACT_CANDIDATES = 2000
MAX_PERIOD = 5000  # longest stretch looked at for being doubled
LOOK_ALIKE_CONTEXT = 16  # characters each side counted for being doubled

# Step 4: fuzzy search.
FUZZY_MAX_SHARE = 0.25  # edits allowed, as a share of the quote's length
FUZZY_MIN_LENGTH = 10  # shorter quotes match too much by chance to search fuzzily
FUZZY_MIN_SIMILARITY = 0.75
MIN_SCORE = 0.55
MARGIN = 0.05  # over the runner-up, to be "clearly best"
FUZZY_WINDOWS = 4  # windows of the quote's length looked at closely...
LOOK_ALIKES = 12  # ... or, looking for look-alikes of an exact copy, this many
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

_SLACK = 8
_CLOSE_LOOKS = 16  # copies of a quote looked at closely (the rest at a glance)
_CLAIMANTS = 4  # other old copies of a quote looked at closely
# Marks the edge of the text in a context window (canonical text has no
# control characters); it weighs as much as a short word.
_EDGE = "\x03" * TELLING_CONTEXT

_TOKEN = re.compile(r"\w+|\s+|.", re.DOTALL)
_LINE = re.compile(r"[^\n]*\n+|[^\n]+")  # a line with the blank lines after it


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

    The diff is computed once for all anchors (not at all when the text is unchanged).
    """
    for anchor in anchors:
        if not anchor.quote or anchor.end <= anchor.start or anchor.start < 0:
            raise ValueError(f"an anchor must span a non-empty quote: {anchor!r}")
    if old_text == new_text:
        unchanged = [_unchanged(old_text, a) for a in anchors]
        if all(r is not None for r in unchanged):
            return unchanged  # type: ignore[return-value]
    diff = _Diff(old_text, new_text)
    searcher = _Searcher(old_text, new_text, diff)
    return [_reanchor_one(old_text, new_text, anchor, diff, searcher) for anchor in anchors]


def _unchanged(text: str, a: Anchor) -> Reanchored | None:
    """A passage of a text that did not change: where it was, if its quote is there."""
    if text[a.start : a.end] != a.quote:
        return None
    return Reanchored("anchored", a.start, a.end, a.quote, False, "same", 1.0)


# --- step 1: the diff ---------------------------------------------------------


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
        self.head, self.tail = head, tail
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
        self.new_starts = [b[3] for b in self.blocks]
        self._changed: list[tuple[int, int]] | None = None
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

    def ambiguous(self, start: int, end: int) -> bool:
        """Whether the edits can be read so that old[start:end] is gone, and also so that it is kept.

        Where text repeats itself, a deleted copy of a paragraph or of a
        bullet's lead-in may as well be the one before or after it (three
        copies become two: which one went?), and an inserted copy may sit
        before or after the one that was there. The passage then sits where
        one reading puts it, and an editor must say whether that is its own
        copy.
        """
        if self.slide is not None:
            lo, hi = self.slide
            size = abs(self.new_len - self.old_len)
            if self.new_len < self.old_len:
                if _deletion_ambiguous(lo, hi, size, start, end):
                    return True
            elif lo <= start and end <= hi:
                return True
        for p in (start, end):
            for i1, i2, left, right, _ in self._near(self.deletions, p):
                if _deletion_ambiguous(i1 - left, i1 + right, i2 - i1, start, end):
                    return True
            for i, _, left, right, _ in self._near(self.insertions, p):
                if i - left <= start and end <= i + right:
                    return True
        return False

    def outside_edits(self, start: int, end: int) -> bool:
        """Whether old[start:end] lies before or after the only edit, a pure insertion or deletion.

        Its readings are then all known (see `ambiguous`). Among several edits
        the text before the first one may still hold a bullet's lead-in whose
        bullet was deleted further on.
        """
        return self.slide is not None and (end <= self.head or start >= self.old_len - self.tail)

    def changed_pieces(self, new: str, reach: int) -> list[str]:
        """The pieces of the new text that the diff did not keep whole, each with
        reach - 1 characters more each side: every new occurrence of a string of
        length reach lies in one. The whole text when they are many."""
        if self._changed is None:
            changed: list[tuple[int, int]] = []
            at = 0
            for tag, _, _, j1, j2 in self.blocks:
                if j1 > at:
                    changed.append((at, j1))  # inserted between two blocks
                if tag != "equal":
                    changed.append((j1, j2))  # replaced (or the join of a deletion)
                at = max(at, j2)
            if self.new_len > at or not self.blocks:
                changed.append((at, self.new_len))
            self._changed = changed
        if sum(j2 - j1 + 2 * reach for j1, j2 in self._changed) > self.new_len:
            return [new]
        return [new[max(0, j1 - reach + 1) : j2 + reach - 1] for j1, j2 in self._changed]

    def source_of(self, j1: int, j2: int) -> int | None:
        """The old offset new[j1:j2] was kept from, when the diff kept it whole (else None)."""
        if j1 >= j2 or not self.blocks:
            return None
        k = bisect.bisect_right(self.new_starts, j1) - 1
        if k < 0:
            return None
        tag, i1, _, b1, b2 = self.blocks[k]
        if tag != "equal" or not (b1 <= j1 and j2 <= b2):
            return None
        return i1 + (j1 - b1)

    def replaced(self, i1: int, i2: int, *, new: bool = False) -> bool:
        """Whether some of old[i1:i2] (new[i1:i2] when new) was replaced by other
        text: not merely deleted, nor text inserted next to it."""
        lo, hi = (3, 4) if new else (1, 2)
        k = max(0, bisect.bisect_right(self.new_starts if new else self.starts, i1) - 1)
        while k < len(self.blocks) and cast(int, self.blocks[k][lo]) < max(i2, i1 + 1):
            block = self.blocks[k]
            if block[0] == "replace" and block[4] > block[3] and block[2] > block[1]:
                if cast(int, block[hi]) > i1:
                    return True
            k += 1
        return False

    def is_unchanged(self, i1: int, i2: int) -> bool:
        """Whether old[i1:i2] lies inside one equal block (kept as it was)."""
        if i1 >= i2:
            return True
        tag, b1, b2, _, _ = self.blocks[bisect.bisect_right(self.starts, i1) - 1]
        return tag == "equal" and b1 <= i1 and i2 <= b2


def _deletion_ambiguous(lo: int, hi: int, size: int, start: int, end: int) -> bool:
    """Whether deleting old[x:x + size] for some x in lo..hi removes start..end, and another x keeps it."""
    removes = max(lo, end - size) <= min(hi, start)
    keeps = lo + size <= start or hi >= end
    return removes and keeps


def _token_blocks(
    old: str, new: str, i0: int, j0: int, *, by_lines: bool = True
) -> list[tuple[str, int, int, int, int]]:
    """Blocks of a diff of old and new (which start at i0 and j0 of the full texts).

    Lines are diffed first, words only within the runs of changed lines. A
    line kept whole is then never paired word by word with a look-alike: in a
    list whose bullets share their words, a deleted bullet would otherwise
    pair each following bullet with the one before it. The LCS diff takes time
    and memory in proportion to the product of the token counts; a run past
    _MAX_DIFF_CELLS (a long report rewritten throughout) is left as one
    replaced block (its passages are then found by the search).
    """
    if not old or not new:
        return [("replace", i0, i0 + len(old), j0, j0 + len(new))] if old else []
    if by_lines and "\n" in old and "\n" in new:
        old_lines, new_lines = _LINE.findall(old), _LINE.findall(new)
        if len(old_lines) * len(new_lines) > _MAX_DIFF_CELLS:
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
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(old_tokens) * len(new_tokens) > _MAX_DIFF_CELLS:
        return [("replace", i0, i0 + len(old), j0, j0 + len(new))]
    blocks = _blocks(
        Indel.opcodes(old_tokens, new_tokens), _offsets(old_tokens, i0), _offsets(new_tokens, j0)
    )
    return _merge_equal(_refine(blocks, old, new, i0, j0))


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
    """Similarity of the mapped span to the quote when the span survived the edit, else None.

    Letter case does not count against it: a headline in capitals rewritten in
    sentence case is the same headline, changed.
    """
    if ne <= ns:
        return None
    found = new_text[ns:ne]
    similarity = max(
        Levenshtein.normalized_similarity(a.quote, found),
        Levenshtein.normalized_similarity(_fold(a.quote), _fold(found)),
    )
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
    consistent = a.end <= len(old_text) and old_text[a.start : a.end] == a.quote
    around = _Surroundings(old_text, a, consistent)
    quote, m = a.quote, len(a.quote)
    hint = round(a.start * len(new_text) / max(1, len(old_text)))
    own: int | None = None  # the exact copy the diff puts the passage on
    changed: _Fit | None = None  # the span the diff puts it on, its words edited
    similarity = 0.0
    if a.end <= len(old_text):
        ns, ne = diff.map_span(a.start, a.end)
        hint = ns
        if ne > ns and new_text[ns:ne] == quote:
            own = ns
        else:
            # Where the text repeats itself the diff may pair characters a little
            # off (text inserted at a passage's edge that repeats its first
            # words): the exact quote sharing a boundary with the mapped span is
            # the diff's reading.
            near = [at for at in (ns, ne - m) if 0 <= at and new_text.startswith(quote, at)]
            if near:
                own = max(near, key=lambda at: searcher.fit(at, at + m, around, None, a, ns).total)
            elif consistent:
                survived = _survived(old_text, new_text, a, diff, ns, ne)
                if survived is not None:
                    similarity = survived
                    changed = searcher.fit(ns, ne, around, ns, a, ns)
    ambiguous = consistent and diff.ambiguous(a.start, a.end)
    exact = searcher.exact(quote, around, own, hint, a)
    if changed is not None:
        # The diff says the passage's own words were edited. Only an exact copy
        # that fits its surroundings better, where the edited span fits them
        # on neither side or one, can take it; and that is an editor's call
        # unless the edited span sits among strangers on both sides.
        if exact is not None and exact.placed and not changed.agrees():
            if exact.best.total >= changed.total:
                stranger = changed.among_strangers(around)
                return exact.outcome(new_text, a, old_text, sure=stranger and not ambiguous)
        return Reanchored("changed", ns, ne, new_text[ns:ne], True, "diff", round(similarity, 3))
    if exact is not None and exact.placed:
        return exact.outcome(new_text, a, old_text, sure=not ambiguous)
    if exact is None:
        folded = searcher.exact(quote, around, None, hint, a, fold=True)
        if folded is not None and folded.placed:
            best = folded.best
            score = round(0.5 + 0.125 * best.total, 3)
            return Reanchored(
                "changed", best.start, best.end, new_text[best.start : best.end], True,
                "case-search", score,
            )  # fmt: skip
        return searcher.fuzzy(quote, around, hint, a)
    return ORPHANED


# --- the surroundings of a passage and how far a candidate fits them ----------


class _Surroundings:
    """What was around a passage in the old text: near context (the selector's
    prefix and suffix), a wider context, and the exact text each side.

    Windows are compared case-folded; a window cut short by the edge of the text
    ends in _EDGE, so that being at the edge again agrees and text added
    beyond the edge disagrees.
    """

    def __init__(self, old_text: str, a: Anchor, consistent: bool) -> None:
        if consistent:
            s, e = a.start, a.end
            near_before = _window_before(old_text, s, CONTEXT_CHARS)
            near_after = _window_after(old_text, e, CONTEXT_CHARS)
            wide_before = _window_before(old_text, s, WIDE_CONTEXT)
            wide_after = _window_after(old_text, e, WIDE_CONTEXT)
            self.exact_before = _window_before(old_text, s, REACH)
            self.exact_after = _window_after(old_text, e, REACH)
        else:
            # A stored selector whose quote is not at its offsets in the old
            # text: its own prefix and suffix are all there is.
            near_before = a.prefix if len(a.prefix) >= CONTEXT_CHARS else _EDGE + a.prefix
            near_after = a.suffix if len(a.suffix) >= CONTEXT_CHARS else a.suffix + _EDGE
            wide_before, wide_after = near_before, near_after
            self.exact_before, self.exact_after = near_before, near_after
        self.exact = (self.exact_before, self.exact_after)
        # Characters from the quote to the end of its line on each side (the
        # rest of a bullet, of a paragraph): a copy with all of them is in a
        # line like the passage's own.
        self.line = (
            len(self.exact_before.rsplit("\n", 1)[-1].lstrip(_EDGE[0])),
            len(self.exact_after.split("\n", 1)[0].rstrip(_EDGE[0])),
        )
        # Reversed: the text right before the quote comes first.
        self.near_before = _fold(near_before)[::-1]
        self.near_after = _fold(near_after)
        self.wide_before = _fold(wide_before)
        self.wide_after = _fold(wide_after)
        # Each side weighs by its length: a passage near the edge of the text
        # has little context on that side (being at the edge says a little).
        chars = (len(near_before.lstrip(_EDGE[0])), len(near_after.rstrip(_EDGE[0])))
        self.chars = chars
        self.weight = cast(
            tuple[float, float],
            tuple(0.25 if n == 0 else max(0.02, min(1.0, n / CONTEXT_CHARS)) for n in chars),
        )


_Side = tuple[float, float, int, bool]  # near, wide, reach, line: one side of a fit


@dataclass(frozen=True)
class _Fit:
    """How far a candidate span of the new text fits a passage's surroundings."""

    start: int
    end: int
    near: tuple[float, float]  # similarity of the near context before and after (0..1)
    wide: tuple[float, float]  # the same for the wide context
    reach: tuple[int, int]  # characters of exactly the same text before and after
    line: tuple[bool, bool]  # whether those reach the end of the passage's line
    kind: str  # "own" (the diff's reading), "other" (the diff kept it from other old text), "new"
    distance: int  # from where the diff put the passage
    home: bool = False  # "other", and fits that other old place at least as well

    weight: tuple[float, float] = (1.0, 1.0)  # of each side (the passage's surroundings')

    @property
    def total(self) -> float:
        """Agreement of near and wide context, each side by its weight (0..4)."""
        before = self.weight[0] * (self.near[0] + self.wide[0])
        after = self.weight[1] * (self.near[1] + self.wide[1])
        return 2 * (before + after) / (self.weight[0] + self.weight[1])

    def agrees(self, *, strict: bool = False) -> bool:
        """The near context agrees on both sides.

        Strictly (a short quote found away from where the diff put it), each
        side must be the same but for a word or hold the rest of the passage's
        line exactly: two sentences made from one mould (a statement with
        another speaker) agree on most of their words.
        """
        if strict:
            return all(
                near >= SIDE_SURE or line for near, line in zip(self.near, self.line, strict=True)
            )
        return all(near >= SIDE_AGREES for near in self.near)

    def among_strangers(self, around: _Surroundings) -> bool:
        """Unrelated text around it: both sides unlike the passage's context, and
        no side keeps a few characters of exactly the same text (or the edge of
        the text, when the passage was at it)."""
        kept = any(
            reach >= min(TELLING_CONTEXT, len(exact))
            for reach, exact in zip(self.reach, around.exact, strict=True)
        )
        return all(near < STRANGER_CONTEXT for near in self.near) and not kept

    @property
    def combined(self) -> float:
        """The near context's agreement, both sides."""
        return (self.near[0] + self.near[1]) / 2

    def side(self, k: int) -> _Side:
        return (self.near[k], self.wide[k], self.reach[k], self.line[k])

    def beaten_by(self, other: _Fit) -> bool:
        """Whether other fits at least as well, so that this one is not clearly the better.

        Each side is compared on its own (see _compare). Other ahead on one
        side is enough, and so is a perfect tie on both.
        """
        ahead = False  # this one ahead on some side
        for k in (0, 1):
            order = _compare(self.side(k), other.side(k))
            if order < 0:
                return True
            ahead = ahead or order > 0
        return not ahead


def _compare(mine: _Side, theirs: _Side) -> int:
    """Order two fits of one side: 1 when mine is ahead, -1 when theirs is, 0 for a tie.

    The rest of the passage's line exactly there decides first (look-alike
    bullets swapped: the one with the passage's own figure is its own); then
    the near context (similarities within TIE are equal); then the run of
    exactly the same text, which tells look-alike siblings apart by their
    first difference; then the wide context.
    """
    for a, b, tie in (
        (mine[3], theirs[3], 0),
        (mine[0], theirs[0], TIE),
        (mine[2], theirs[2], 0),
        (mine[1], theirs[1], TIE),
    ):
        if a > b + tie:
            return 1
        if b > a + tie:
            return -1
    return 0


_KIND_RANK = {"own": 0, "new": 1, "other": 2}


def _rank(fit: _Fit) -> tuple[bool, float, int, int, int, int]:
    return (
        fit.home,
        -round(fit.total, 3),
        -(fit.reach[0] + fit.reach[1]),
        _KIND_RANK[fit.kind],
        fit.distance,
        fit.start,
    )


@dataclass(frozen=True)
class _Exact:
    """The exact copies of a quote in the new text, judged by their surroundings."""

    best: _Fit
    placed: bool  # whether best may carry the passage at all
    clear: bool  # whether best is the clear choice (no review needed, as far as copies go)

    def outcome(self, new_text: str, a: Anchor, old_text: str, *, sure: bool) -> Reanchored:
        best = self.best
        glued = _glued(old_text, a.start, new_text, best.start) or _glued(
            old_text, a.end, new_text, best.end
        )
        needs_review = not (sure and self.clear) or glued
        score = round(min(1.0, 0.5 + 0.125 * best.total), 3)
        if (best.start, best.end) == (a.start, a.end) and old_text[
            max(0, a.start - CONTEXT_CHARS) : a.end + CONTEXT_CHARS
        ] == new_text[max(0, a.start - CONTEXT_CHARS) : a.end + CONTEXT_CHARS]:
            # Slices compare the boundaries too: a passage at the end of the
            # old text is not "the same" once text follows it.
            return Reanchored(
                "anchored", best.start, best.end, a.quote, needs_review, "same", score
            )
        method = "diff" if best.kind == "own" else "exact-search"
        return Reanchored("moved", best.start, best.end, a.quote, needs_review, method, score)


# --- steps 2 to 4: the copies of the quote, then a search --------------------


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    quote_similarity: float
    context: float
    score: float


class _Searcher:
    def __init__(self, old_text: str, text: str, diff: _Diff) -> None:
        self.old_text = old_text
        self.text = text
        self.diff = diff
        self._folded: str | None = None
        self._old_folded: str | None = None

    @property
    def old_folded(self) -> str:
        if self._old_folded is None:
            self._old_folded = _fold(self.old_text)
        return self._old_folded

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = _fold(self.text)
        return self._folded

    def fit(
        self, start: int, end: int, around: _Surroundings, own: int | None, a: Anchor, hint: int
    ) -> _Fit:
        """How far new[start:end] fits the passage's surroundings, and whose copy it is.

        A copy the diff kept from another old place is at home there when it
        fits that place's surroundings at least as well as the passage's, on
        each side: the same paragraph twice, each kept, say. It is then that
        place's copy.
        """
        near, wide, reach, line = self._measure(start, end, around)
        mine = _Fit(start, end, near, wide, reach, line, "new", 0).side
        home = False
        if start == own:
            kind = "own"
        else:
            source = self.diff.source_of(start, end)
            if source is None:
                kind = "new"
            elif source == a.start and end - start == a.end - a.start:
                kind = "own"
            else:
                kind = "other"
                there = _Surroundings(self.old_text, Anchor(source, source + end - start, ""), True)
                at_home = _Fit(start, end, *self._measure(start, end, there), "other", 0).side
                # At home unless it fits the passage better on some side.
                home = all(_compare(at_home(k), mine(k)) >= 0 for k in (0, 1))
        return _Fit(
            start, end, near, wide, reach, line, kind, abs(start - hint), home, around.weight
        )  # fmt: skip

    def _measure(
        self, start: int, end: int, around: _Surroundings
    ) -> tuple[tuple[float, float], tuple[float, float], tuple[int, int], tuple[bool, bool]]:
        text = self.text
        near_before = _near_similarity(
            around.near_before,
            _fold(_window_before(text, start, len(around.near_before) + _SLACK))[::-1],
        )
        near_after = _near_similarity(
            around.near_after, _fold(_window_after(text, end, len(around.near_after) + _SLACK))
        )
        # Where the new text ends sooner than the old context, only as much of
        # it as there is to compare is compared.
        found = _fold(_window_before(text, start, len(around.wide_before)))
        wide_before = Levenshtein.normalized_similarity(
            around.wide_before[-len(found) :] if found else "", found
        )
        found = _fold(_window_after(text, end, len(around.wide_after)))
        wide_after = Levenshtein.normalized_similarity(around.wide_after[: len(found)], found)
        reach_before = _common_suffix_len(
            around.exact_before, _window_before(text, start, len(around.exact_before))
        )
        reach_after = _common_prefix_len(
            around.exact_after, _window_after(text, end, len(around.exact_after))
        )
        return (
            (round(near_before, 4), round(near_after, 4)),
            (round(wide_before, 4), round(wide_after, 4)),
            (reach_before, reach_after),
            (reach_before >= around.line[0], reach_after >= around.line[1]),
        )

    def exact(
        self,
        quote: str,
        around: _Surroundings,
        own: int | None,
        hint: int,
        a: Anchor,
        *,
        fold: bool = False,
    ) -> _Exact | None:
        """Judge every exact copy of quote (case-folded when fold) by its surroundings.

        own is where the diff put the passage, when it holds the quote. The
        best copy is the one whose context fits best (see _rank); the diff's
        copy keeps the passage while its own context agrees, or when no other
        copy's context agrees on both sides and it does not sit among
        strangers. Best carries the passage at all when it is the only copy,
        when the quote is long enough to identify itself, when it is the
        diff's copy not among strangers, or when its near context agrees at
        least MIN_CONTEXT: a short quote among strangers is another statement.
        Whether it is the clear choice: see the module's docstring, step 3.
        """
        m = len(quote)
        if (
            own is not None
            and not fold
            and self._untouched(own, own + m, around)
            and self._alone(own, own + m, a)
        ):
            # The common case: the diff's copy with its wide context exactly as
            # it was, that context found nowhere else, old or new, and the rest
            # of its line too. No other copy can tie with it, and no other old
            # copy can claim it.
            fit = self.fit(own, own + m, around, own, a, hint)
            if all(fit.line):
                return _Exact(fit, True, not self._duplicated(a))
        text = self.folded if fold else self.text
        needle = _fold(quote) if fold else quote
        starts = _find_all(text, needle)
        if not starts:
            return None
        count = len(starts)
        every = list(starts)
        if own is not None and not fold and own not in starts:
            starts.append(own)
        if (
            own is not None
            and not fold
            and len(starts) > 1
            and self._untouched(own, own + m, around)
        ):
            # The diff's copy with its wide context exactly as it was: another
            # copy can at best tie, and is only looked at when it does.
            rivals = self._same_window(own, own + m, around, starts)
            starts = [own, *rivals]
        if len(starts) > _CLOSE_LOOKS:
            # Many copies (a common word): a cheap look at each, a close look at the best few.
            starts.sort(key=lambda s: -self._glance(s, s + m, around))
            keep = starts[:_CLOSE_LOOKS]
            if own is not None and own not in keep:
                keep.append(own)
            starts = keep
        anchor_own = own if not fold else None
        fits = sorted((self.fit(s, s + m, around, anchor_own, a, hint) for s in starts), key=_rank)
        best = fits[0]
        own_fit = next((f for f in fits if f.kind == "own" and f.start == own), None)
        strangers = own_fit is not None and own_fit.among_strangers(around)
        if own_fit is not None and best is not own_fit:
            # The diff's copy stays when its context agrees; otherwise the best
            # copy whose context agrees on both sides takes its place, and
            # without one it stays unless it sits among strangers.
            agreeing = [f for f in fits if f is not own_fit and not f.home and f.agrees()]
            if own_fit.agrees() or self.diff.outside_edits(a.start, a.end):
                # Before the first edit or after the last one, the diff cannot
                # have paired the passage with a look-alike.
                best = own_fit
            elif agreeing:
                best = agreeing[0]
            elif not strangers:
                best = own_fit
        placed = (
            count == 1
            or m >= EXACT_SELF_EVIDENT_LENGTH
            or (best is own_fit and not strangers)
            or best.combined >= MIN_CONTEXT
        )
        clear = (
            not best.home
            # A copy the diff kept from another old place is that place's,
            # unless the diff put the passage among strangers (look-alike
            # paragraphs swapped): a passage the diff deleted does not take it.
            and (best.kind != "other" or strangers)
            and not any(best.beaten_by(f) for f in fits if f is not best and not f.home)
            and (
                best.agrees(strict=best is not own_fit and m < EXACT_SELF_EVIDENT_LENGTH)
                or (m >= EXACT_SELF_EVIDENT_LENGTH and count == 1)
                # One edit next to a passage changes its context on one side
                # only: the diff's copy of a quote found once, old and new, may
                # keep it with the other side agreeing.
                or (
                    best is own_fit
                    and count == 1
                    and self._one_side_edited(best, around, a)
                    and _once(self.old_text, quote)
                )
            )
            and (own_fit is None or own_fit is best or strangers)
            and (fold or not self._doubled(best.start, m, every, a))
            and not self._claimed(best, quote, around, a, fold=fold)
            and (fold or not self._duplicated(a))
            and (
                fold
                or self._untouched(best.start, best.end, around)
                or not self._look_alikes(best, quote, around, a, hint)
            )
        )
        return _Exact(best, placed, clear)

    def _duplicated(self, a: Anchor) -> bool:
        """Whether the passage (a short one with the text just around it) occurs
        more often than before, in any letter case: a copy of its paragraph was
        added, and the copy may be the one that stayed where the passage was
        while the passage moved."""
        old = self.old_text
        if old[a.start : a.end] != a.quote:
            return False
        k = 0 if len(a.quote) >= EXACT_SELF_EVIDENT_LENGTH else LOOK_ALIKE_CONTEXT
        window = old[max(0, a.start - k) : a.end + k]
        folded = _fold(window)
        # A copy more than before lies, at least in part, in text the diff did
        # not keep: look there first (a one-word correction leaves little).
        if not any(
            folded in _fold(piece) for piece in self.diff.changed_pieces(self.text, len(window))
        ):
            return False
        if self.text.count(window) > old.count(window):
            return True
        return self.folded.count(folded) > self.old_folded.count(folded)

    def _look_alikes(
        self, best: _Fit, quote: str, around: _Surroundings, a: Anchor, hint: int
    ) -> bool:
        """Whether the passage may as well be somewhere else than best, which
        sits in edited surroundings: its words occur more often than in the
        old text and best's context is more than a word off (a paragraph
        doubled, then both copies edited), the text just before or after it
        occurs more often with other words in the quote's place (doubled, then
        the passage edited in one copy), or a look-alike of its words (a few
        of them edited) fits its surroundings as well as best on some side."""
        old, new = self.old_text, self.text
        sure = best.agrees(strict=True)
        if not sure and new.count(quote) > old.count(quote):
            return True  # a copy more, and best's context is not all but a word the same
        if old[a.start : a.end] == quote:
            # The text just before the quote, followed by other words than the
            # quote, more often than before (or the same after it).
            k = LOOK_ALIKE_CONTEXT
            before = old[max(0, a.start - k) : a.start]
            after = old[a.end : a.end + k]
            for piece, with_quote in ((before, before + quote), (after, quote + after)):
                if len(piece) >= TELLING_CONTEXT and new.count(piece) - new.count(
                    with_quote
                ) > old.count(piece) - old.count(with_quote):
                    return True
        if len(quote) >= FUZZY_MIN_LENGTH and not sure:
            # A look-alike can only fit better than a copy whose context is the
            # same but for a word (or its whole line) on both sides where a
            # paragraph was doubled beside it, which leaves one side unlike.
            for c in self._fuzzy(quote, around, best.start, a, every=True):
                if c.start < best.end and best.start < c.end or new[c.start : c.end] == quote:
                    continue
                if best.beaten_by(self.fit(c.start, c.end, around, None, a, hint)):
                    return True
        return False

    def _claimed(
        self, best: _Fit, quote: str, around: _Surroundings, a: Anchor, *, fold: bool
    ) -> bool:
        """Whether another copy of the quote in the old text fits best's place as
        well as the passage does on some side: best may then be that copy's (a
        paragraph that was there twice, one of them deleted)."""
        old = _fold(self.old_text) if fold else self.old_text
        consistent = self.old_text[a.start : a.end] == a.quote
        others = [
            o
            for o in _find_all(old, _fold(quote) if fold else quote)
            if not (consistent and o == a.start)
        ]
        if not others:
            return False
        m = len(quote)
        if len(others) > _CLAIMANTS:
            here = Anchor(best.start, best.end, "")
            seen = _Surroundings(self.text, here, True)
            others.sort(key=lambda o: -_old_glance(self.old_text, o, o + m, seen))
            others = others[:_CLAIMANTS]
        for o in others:
            there = _Surroundings(self.old_text, Anchor(o, o + m, ""), True)
            near, wide, reach, line = self._measure(best.start, best.end, there)
            if best.beaten_by(replace(best, near=near, wide=wide, reach=reach, line=line)):
                return True
        return False

    def _one_side_edited(self, best: _Fit, around: _Surroundings, a: Anchor) -> bool:
        """Whether best's context agrees on one side, and the other side changed
        only by text deleted or inserted next to the passage (a sentence
        dropped before it, say), none of it replaced by other words, in the
        old text or the new."""
        s, e, k = a.start, a.end, CONTEXT_CHARS
        old_len, new_len = len(self.old_text), len(self.text)
        sides = (
            (best.near[0], around.chars[0], (max(0, s - k), s), (max(0, best.start - k), best.start)),
            (best.near[1], around.chars[1], (e, min(old_len, e + k)), (best.end, min(new_len, best.end + k))),
        )  # fmt: skip
        for (near, chars, _, _), (_, _, old, new) in (sides, sides[::-1]):
            if (
                near >= SIDE_AGREES
                and chars >= TELLING_CONTEXT
                and not self.diff.replaced(*old)
                and not self.diff.replaced(*new, new=True)
            ):
                return True
        return False

    def _doubled(self, start: int, m: int, starts: list[int], a: Anchor) -> bool:
        """Whether this copy and a neighbouring one lie in a stretch of text
        repeated right there in the new text and not in the old: a paragraph
        or bullet doubled, where either copy may be the one that was there."""
        new, old = self.text, self.old_text
        consistent = old[a.start : a.end] == a.quote
        for other in starts:
            p = abs(other - start)
            if not m <= p <= MAX_PERIOD or not _repeated(new, min(start, other), p):
                continue
            s = a.start
            if consistent and any(
                0 <= t <= len(old) - m
                and old[t : t + m] == a.quote
                and _repeated(old, min(s, t), p)
                for t in (s - p, s + p)
            ):
                continue  # the old text had the same repetition there
            return True
        return False

    def _alone(self, start: int, end: int, a: Anchor) -> bool:
        """Whether new[start:end] with WIDE_CONTEXT characters each side occurs once
        in the new text, and the passage with as many once in the old."""
        new = self.text[max(0, start - WIDE_CONTEXT) : end + WIDE_CONTEXT]
        old = self.old_text[max(0, a.start - WIDE_CONTEXT) : a.end + WIDE_CONTEXT]
        return _once(self.text, new) and _once(self.old_text, old)

    def _untouched(self, start: int, end: int, around: _Surroundings) -> bool:
        before = _window_before(self.text, start, len(around.wide_before))
        after = _window_after(self.text, end, len(around.wide_after))
        return _fold(before) == around.wide_before and _fold(after) == around.wide_after

    def _same_window(
        self, start: int, end: int, around: _Surroundings, starts: list[int]
    ) -> list[int]:
        """The other copies whose wide windows are those of start..end."""
        lo = start - len(around.wide_before)
        hi = end + len(around.wide_after)
        if lo < 0 or hi > len(self.text):
            # At an edge of the text: only a copy at the same edge can tie.
            return [s for s in starts if s != start and self._untouched(s, s + end - start, around)]
        window = self.text[lo:hi]
        found = _find_all(self.text, window)
        return [at + (start - lo) for at in found if at != lo]

    def _glance(self, start: int, end: int, around: _Surroundings) -> float:
        text = self.text
        before = _fold(text[max(0, start - CONTEXT_CHARS) : start])[::-1]
        after = _fold(text[end : end + CONTEXT_CHARS])
        return Levenshtein.normalized_similarity(
            around.near_before, before
        ) + Levenshtein.normalized_similarity(around.near_after, after)

    def fuzzy(self, quote: str, around: _Surroundings, hint: int, a: Anchor) -> Reanchored:
        """The closest approximate copy, when one is clearly better than the others (always flagged)."""
        if len(quote) < FUZZY_MIN_LENGTH:
            return ORPHANED
        scored = sorted(self._fuzzy(quote, around, hint, a), key=_candidate_rank)
        if not scored:
            return ORPHANED
        best = scored[0]
        if best.score < MIN_SCORE or _margin(scored) < MARGIN:
            return ORPHANED
        text = self.text[best.start : best.end]
        return Reanchored(
            "changed", best.start, best.end, text, True, "fuzzy-search", round(best.score, 3)
        )

    def _score(
        self,
        start: int,
        end: int,
        quote_similarity: float,
        around: _Surroundings,
        hint: int,
        a: Anchor,
    ) -> _Candidate:
        fit = self.fit(start, end, around, None, a, hint)
        context = fit.combined
        near = max(0.0, 1.0 - abs(start - hint) / max(1, len(self.text)))
        score = _W_QUOTE * quote_similarity + _W_CONTEXT * context + _W_NEAR * near
        return _Candidate(start, end, quote_similarity, context, score)

    def _fuzzy(
        self, quote: str, around: _Surroundings, hint: int, a: Anchor, *, every: bool = False
    ) -> list[_Candidate]:
        """Approximate occurrences of quote, at most FUZZY_MAX_SHARE of its length in edits.

        The best few, or with every up to LOOK_ALIKES of them, however far
        behind the best.

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
        places = LOOK_ALIKES if every else FUZZY_WINDOWS
        ranked = process.extract(
            quote, windows, scorer=fuzz.ratio, limit=4 * places, score_cutoff=50
        )
        # Neighbouring windows of one match rank alike: keep distinct places,
        # so that a rival match elsewhere is seen and the margin means something.
        chosen: list[int] = []
        top = ranked[0][1] if ranked else 0
        spread = 100 if every else FUZZY_WINDOW_SPREAD
        for _, ratio, i in ranked:
            if len(chosen) == places or ratio < top - spread:
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
            for end, _ in _match_ends(quote, text, lo, hi, max_edits, every=every):
                start = _best_start(quote, text, lo, end, max_edits)
                if start is None:
                    continue
                similarity = Levenshtein.normalized_similarity(quote, text[start:end])
                if similarity < FUZZY_MIN_SIMILARITY:
                    continue
                candidates.append(self._score(start, end, similarity, around, hint, a))
        # Overlapping candidates are one match: keep the best of each cluster.
        candidates.sort(key=_candidate_rank)
        kept: list[_Candidate] = []
        for c in candidates:
            if all(c.end <= k.start or c.start >= k.end for k in kept):
                kept.append(c)
        return kept


def _candidate_rank(c: _Candidate) -> tuple[float, int]:
    return (-c.score, c.start)


def _margin(scored: list[_Candidate]) -> float:
    return 1.0 if len(scored) == 1 else scored[0].score - scored[1].score


def _old_glance(old_text: str, start: int, end: int, seen: _Surroundings) -> float:
    """How far the near context of old_text[start:end] looks like seen's (cheap)."""
    before = _fold(old_text[max(0, start - CONTEXT_CHARS) : start])[::-1]
    after = _fold(old_text[end : end + CONTEXT_CHARS])
    return Levenshtein.normalized_similarity(
        seen.near_before, before
    ) + Levenshtein.normalized_similarity(seen.near_after, after)


def _repeated(text: str, i: int, p: int) -> bool:
    """Whether the copies at i and i + p lie in a stretch of text repeated twice
    in a row: the text around them agrees, before and after, over a whole p."""
    j = i + p
    before = _common_suffix_len(text[max(0, i - p) : i], text[i:j])
    after = _common_prefix_len(text[i:j], text[j : j + p])
    return before + after >= p


def _once(text: str, needle: str) -> bool:
    at = text.find(needle)
    return at != -1 and text.find(needle, at + 1) == -1


def _find_all(text: str, needle: str) -> list[int]:
    found: list[int] = []
    at = text.find(needle)
    while at != -1 and len(found) < MAX_EXACT_CANDIDATES:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _fold(text: str) -> str:
    """text in lower case, one character for one (a character whose lower case is longer stays)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _window_before(text: str, at: int, n: int) -> str:
    """The n characters before offset at; _EDGE first when the text starts sooner."""
    return text[at - n : at] if at >= n else _EDGE + text[:at]


def _window_after(text: str, at: int, n: int) -> str:
    """The n characters from offset at; _EDGE last when the text ends sooner."""
    return text[at : at + n] if at + n <= len(text) else text[at:] + _EDGE


def _near_similarity(expected: str, window: str) -> float:
    """How far window begins with expected: 1 - edits / len(expected), the rest of window free.

    window is a few characters longer than expected, so that a word inserted
    or deleted next to the quote costs its own length, not a shift of all
    the text after it.
    """
    size = len(expected)
    if not size:
        return 1.0
    best = size
    longest = min(len(window), size + _SLACK)
    for k in range(min(longest, max(0, size - _SLACK)), longest + 1):
        d = Levenshtein.distance(expected, window[:k], score_cutoff=best)
        if d < best:
            best = d
    return 1.0 - best / size


def _match_ends(
    quote: str, text: str, lo: int, hi: int, max_edits: int, *, every: bool = False
) -> list[tuple[int, int]]:
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
    # The best few: a far worse local minimum is noise, not a rival (unless every is asked for).
    best = min(ends)[0]
    slack = max_edits if every else max(1, max_edits // 4)
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
