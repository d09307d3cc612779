"""What changed in a passage's words between two revisions, down to the character.

Pure functions, no ORM. The words are compared first (so an edited figure or
name reads as one change, not as scattered letters); where a run of words was
replaced by a similar run, the characters inside are compared too, so a
one-letter fix ("Gabe" → "Gave") shows as that one letter. Runs that are not
alike (a sentence rewritten) show as deleted and inserted whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

# A word, a run of spaces or line breaks, or one other character (punctuation, symbols).
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# A word replaced by a word that keeps at least this share of its letters is compared
# letter by letter ("Gabe" → "Gave" keeps 3 of 4).
ALIKE = 0.6
# Wordings that keep less than this share of their characters are shown as rewritten whole.
REWRITTEN = 0.3
# Beyond this many characters a replaced word is shown whole (matching is quadratic).
CHARACTER_LIMIT = 200


class Kind(StrEnum):
    SAME = "same"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class Piece:
    kind: Kind
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _only_spacing_differs(old: str, new: str) -> bool:
    return "".join(old.split()) == "".join(new.split())


def _characters(old: str, new: str) -> list[Piece]:
    """One word replaced by one word: the letters that changed, when the two words are
    alike (a spelling fix); the words whole otherwise (a figure, another name). Runs that
    differ only in spaces and line breaks (words joined or split) show just those."""
    whole = [Piece(Kind.DELETED, old), Piece(Kind.INSERTED, new)]
    if len(old) + len(new) > CHARACTER_LIMIT:
        return whole
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    if not _only_spacing_differs(old, new):
        if not (old.isalpha() and new.isalpha()):
            return whole
        kept = sum(size for _, _, size in matcher.get_matching_blocks())
        if kept / max(len(old), len(new)) < ALIKE:
            return whole
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece(Kind.SAME, old[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(Piece(Kind.DELETED, old[i1:i2]))
        if j2 > j1:
            pieces.append(Piece(Kind.INSERTED, new[j1:j2]))
    return pieces


def _merged(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for piece in pieces:
        if not piece.text:
            continue
        if out and out[-1].kind == piece.kind:
            out[-1] = Piece(piece.kind, out[-1].text + piece.text)
        else:
            out.append(piece)
    return out


def wording_changes(old: str, new: str) -> list[Piece]:
    """The pieces that turn `old` into `new`: kept, deleted and inserted, in reading order.

    Joining the kept and deleted pieces gives `old`; the kept and inserted, `new`.
    """
    if old == new:
        return [Piece(Kind.SAME, old)] if old else []
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    pieces: list[Piece] = []
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    opcodes = matcher.get_opcodes()
    kept = sum(
        len("".join(old_tokens[i1:i2]).strip()) for op, i1, i2, _, _ in opcodes if op == "equal"
    )
    if kept < REWRITTEN * max(len(old.strip()), len(new.strip())) and not _only_spacing_differs(
        old, new
    ):
        # Little in common but spaces and a word or two: a rewrite, shown as one.
        return _merged([Piece(Kind.DELETED, old), Piece(Kind.INSERTED, new)])
    for op, i1, i2, j1, j2 in opcodes:
        before, after = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if op == "equal":
            pieces.append(Piece(Kind.SAME, before))
        elif op == "delete":
            pieces.append(Piece(Kind.DELETED, before))
        elif op == "insert":
            pieces.append(Piece(Kind.INSERTED, after))
        elif (i2 - i1 == 1 and j2 - j1 == 1) or _only_spacing_differs(before, after):
            pieces.extend(_characters(before, after))
        else:
            pieces += [Piece(Kind.DELETED, before), Piece(Kind.INSERTED, after)]
    return _merged(pieces)


def is_changed(pieces: list[Piece]) -> bool:
    return any(p.kind != Kind.SAME for p in pieces)
