"""Two versions of a deal (a proposal and its counter-proposal), clause by clause.

Clauses are paired by reference first; the rest are paired by how alike their
title and text are (a counter-proposal often renumbers). A pair is *matched*
when title and text are the same, *changed* otherwise (with a word diff), and a
clause without a partner is *only in* one of the two.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .models import Clause

# Below this similarity, two clauses with different references are not paired.
PAIRING_THRESHOLD = 0.6


@dataclass
class DiffPart:
    op: str  # "same", "removed", "added"
    text: str


@dataclass
class ClausePair:
    status: str  # "matched", "changed", "only-left", "only-right"
    left: Clause | None
    right: Clause | None
    title_diff: list[DiffPart] = field(default_factory=list)
    text_diff: list[DiffPart] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {
            "matched": "same in both",
            "changed": "changed",
            "only-left": "only in the first",
            "only-right": "only in the second",
        }[self.status]


def word_diff(old: str, new: str) -> list[DiffPart]:
    """Word-level difference, whitespace kept with the words."""
    a = re.findall(r"\S+\s*", old)
    b = re.findall(r"\S+\s*", new)
    parts: list[DiffPart] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(DiffPart("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(DiffPart("added", "".join(b[j1:j2])))
    return parts


def _similarity(a: Clause, b: Clause) -> float:
    return difflib.SequenceMatcher(
        a=f"{a.title}\n{a.text}".lower(), b=f"{b.title}\n{b.text}".lower(), autojunk=False
    ).ratio()


def _pair(left: Clause | None, right: Clause | None) -> ClausePair:
    if left is None:
        return ClausePair("only-right", None, right)
    if right is None:
        return ClausePair("only-left", left, None)
    if left.title.strip() == right.title.strip() and left.text.strip() == right.text.strip():
        return ClausePair("matched", left, right)
    return ClausePair(
        "changed",
        left,
        right,
        title_diff=word_diff(left.title, right.title) if left.title != right.title else [],
        text_diff=word_diff(left.text, right.text),
    )


def compare_clauses(left: list[Clause], right: list[Clause]) -> list[ClausePair]:
    """Pairs in the order of the first deal, then the second deal's leftovers."""
    by_ref = {c.reference: c for c in right}
    partner: dict[int, Clause] = {}
    used: set[int] = set()
    for clause in left:
        other = by_ref.get(clause.reference)
        if other is not None:
            partner[clause.pk] = other
            used.add(other.pk)
    # Greedy pairing of the rest by similarity, best first.
    candidates = []
    for a in left:
        if a.pk in partner:
            continue
        for b in right:
            if b.pk in used:
                continue
            score = _similarity(a, b)
            if score >= PAIRING_THRESHOLD:
                candidates.append((score, a.pk, b.pk, b))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    for _score, a_pk, b_pk, b in candidates:
        if a_pk in partner or b_pk in used:
            continue
        partner[a_pk] = b
        used.add(b_pk)
    pairs = [_pair(clause, partner.get(clause.pk)) for clause in left]
    pairs += [_pair(None, clause) for clause in right if clause.pk not in used]
    return pairs


def comparison_counts(pairs: list[ClausePair]) -> dict[str, int]:
    counts = {"matched": 0, "changed": 0, "only_left": 0, "only_right": 0}
    for pair in pairs:
        counts[pair.status.replace("-", "_")] += 1
    return counts
