"""Reports that repeat themselves, revised by known edits, and where each passage truly went.

Shared by the property tests (tests/sources/test_anchoring_truth.py) and the
count of a large run (bench/anchoring_truth.py). A report is a list of units
(a headline, paragraphs, bullets of lists whose items share a lead-in, some
paragraphs repeated word for word, look-alike paragraphs made from one
template); passages are spans inside units. Edits work on units (swap,
delete, insert, replace, duplicate, move, a word edited, a case change, an
unrelated rewrite) and carry every passage along, so after a revision each
passage knows its true place in the new text: the span its characters went to
(`unchanged` when they are the same characters), or none when its unit was
deleted or rewritten.

Everything is drawn from one `random.Random`, so Hypothesis can drive it
(`st.randoms()`) and shrink a failure to a short report.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from dealtracker.sources.anchoring import Anchor, Reanchored, anchor_for
from dealtracker.sources.canonical import canonicalize

ACTORS = [
    "Israel",
    "Hamas",
    "Egypt",
    "Qatar",
    "the UN",
    "the US envoy",
    "a senior Hamas official",
    "Israeli officials",
    "the Red Cross",
    "the mediators",
    "the health ministry",
]
PLACES = ["Rafah", "Khan Younis", "Gaza City", "Jabalia", "Deir al-Balah", "Beit Hanoun"]
CROSSINGS = ["Kerem Shalom", "Rafah", "Zikim", "Erez"]
CORRIDORS = ["Netzarim", "Philadelphi"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CITIES = ["Cairo", "Doha", "Washington", "Paris"]

CLAUSES = [
    "{n} trucks crossed at {crossing}",
    "the second phase would begin on day {d}",
    "{n} hostages would be released by day {d}",
    "the {corridor} corridor would be cleared by day {d}",
    "more than {n},000 people had died",
    "the truce had held in {place} overnight",
    "talks on the second phase would resume in {city}",
]
SENTENCES = [
    "{Actor} said on {day} that {clause}.",
    "{Clause}, {actor} said.",
    "According to {actor}, {clause}.",
    "{Actor} accused {actor2} of violating the truce in {place} on {day}.",
    "In {city}, {actor} met {actor2} on {day} to discuss the second phase.",
    "{Actor} will keep monitoring the crossings, the statement said.",
    "The truce has largely held since day {d}, although {actor} reported shooting in {place}.",
]
LEAD_INS = [
    "Israel will release",
    "Hamas will hand over",
    "Israeli forces will withdraw from",
    "Aid trucks will enter through",
    "The parties will",
]
BULLET_TAILS = {
    "Israel will release": "{n} Palestinian prisoners for each hostage freed on day {d}.",
    "Hamas will hand over": "{n} hostages, living or dead, by day {d} of the first phase.",
    "Israeli forces will withdraw from": "the {corridor} corridor by day {d}.",
    "Aid trucks will enter through": "the {crossing} crossing at a rate of {n} a day.",
    "The parties will": "meet in {city} on day {d} to negotiate the second phase.",
}
INTROS = [
    "Under the agreement:",
    "The first phase provides that:",
    "The mediators listed these terms:",
]
HEADLINES = [
    "Ceasefire talks resume in {city} as aid trucks enter Gaza",
    "Israel and Hamas agree to extend the truce by {n} days",
    "Hostage release delayed as {actor} disputes the list",
]
# Another report altogether: the same world, other sentences.
OTHER_SENTENCES = [
    "Donors pledged {n} million dollars for reconstruction at a conference in {city}.",
    "Fuel shortages forced {n} bakeries in {place} to close, aid groups said.",
    "Schools in {place} reopened on {day} for the first time in a year.",
    "The truce is fragile, a diplomat in {city} warned on {day}.",
    "Power was restored to parts of {place} after repairs to the main line.",
    "Israel said it would review the request, without giving a date.",
]
# Word edits that leave a sentence looking like its siblings.
SWAPS = [
    ("will", "would"),
    ("said", "told reporters"),
    ("Israel", "Egypt"),
    ("Hamas", "Qatar"),
    ("second", "third"),
    ("first", "second"),
    ("Netzarim", "Philadelphi"),
    ("Rafah", "Zikim"),
    ("truce", "ceasefire"),
]


# A unit replaced by one at least this similar (normalised Levenshtein) was edited, not replaced.
SAME_UNIT = 0.7


def _shares_run(a: str, b: str, k: int = 20) -> bool:
    """Whether a and b have k characters in a row in common."""
    runs = {b[i : i + k] for i in range(len(b) - k + 1)}
    return any(a[i : i + k] in runs for i in range(len(a) - k + 1))


def _carry(old: str, new: str, start: int, end: int) -> tuple[int, int]:
    """Where old[start:end] is in new, old edited into new in one place (common ends kept)."""
    head = _common_prefix(old, new)
    tail = _common_prefix(old[head:][::-1], new[head:][::-1])
    delta = len(new) - len(old)
    if end <= head:
        return start, end
    if start >= len(old) - tail:
        return start + delta, end + delta
    return min(start, head), max(end + delta, len(new) - tail)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _fill(template: str, rng: random.Random) -> str:
    actor, actor2 = rng.sample(ACTORS, 2)
    values = {
        "actor": actor,
        "actor2": actor2,
        "place": rng.choice(PLACES),
        "crossing": rng.choice(CROSSINGS),
        "corridor": rng.choice(CORRIDORS),
        "day": rng.choice(DAYS),
        "city": rng.choice(CITIES),
        "n": str(rng.choice([2, 3, 5, 10, 20, 30, 33, 50, 90, 110, 250, 600])),
        "d": str(rng.randint(1, 60)),
    }
    values["clause"] = _fill_plain(rng.choice(CLAUSES), values)
    values["Clause"] = values["clause"][:1].upper() + values["clause"][1:]
    values["Actor"] = actor[:1].upper() + actor[1:]
    return _fill_plain(template, values)


def _fill_plain(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


# --- reports ------------------------------------------------------------------------


@dataclass
class Unit:
    id: int
    kind: str  # "headline" | "para" | "bullet"
    text: str
    sentence_case: str = ""  # a headline's words as a sentence (its text may be in capitals)


@dataclass
class Mark:
    """A passage: unit id and span in the unit's text, carried along by the edits."""

    unit: int
    start: int
    end: int
    lost: bool = False


@dataclass
class Truth:
    """Where a passage truly is in the new text (start None: nowhere)."""

    start: int | None
    end: int | None
    unchanged: bool  # the same characters as its quote
    # Where its twins are in the new text: other units whose text is now, or
    # was, word for word what the passage's unit was. Which of two equal paragraphs an
    # edit touched cannot be read from the texts (one edited and the two
    # swapped is the other one edited; a paragraph copied and the original
    # rewritten is another paragraph added), so a passage on a twin is
    # counted apart.
    twins: tuple[tuple[int, int], ...] = ()


@dataclass
class Case:
    old: str
    new: str
    anchors: list[Anchor]
    truths: list[Truth]
    edits: list[str] = field(default_factory=list)


class Report:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: list[Unit] = []
        self.marks: list[Mark] = []
        self.drawn: list[str] = []  # the units' texts as drawn
        self._next = 0

    def unit(self, kind: str, text: str, sentence_case: str = "") -> Unit:
        self._next += 1
        return Unit(self._next, kind, text, sentence_case)

    def render(self) -> tuple[str, dict[int, int]]:
        """The report's text and where each unit's text starts in it."""
        parts: list[str] = []
        at: dict[int, int] = {}
        length = 0
        for k, u in enumerate(self.units):
            if k:
                sep = "\n" if u.kind == "bullet" and self.units[k - 1].kind == "bullet" else "\n\n"
                parts.append(sep)
                length += len(sep)
            if u.kind == "bullet":
                parts.append("- ")
                length += 2
            at[u.id] = length
            parts.append(u.text)
            length += len(u.text)
        return "".join(parts), at

    # --- drawing a report ---

    def draw(self) -> None:
        rng = self.rng
        if rng.random() < 0.6:
            words = _fill(rng.choice(HEADLINES), rng)
            style = rng.choice(["caps", "sentence", "title"])
            text = {
                "caps": words.upper(),
                "sentence": words,
                "title": " ".join(w[:1].upper() + w[1:] for w in words.split(" ")),
            }[style]
            self.units.append(self.unit("headline", text, words))
        paragraphs: list[Unit] = []
        for _ in range(rng.randint(2, 6)):
            roll = rng.random()
            if roll < 0.3:
                self.units.extend(self.bullet_list())
            elif roll < 0.45 and paragraphs:
                # A paragraph repeated word for word (a summary, an editor's note).
                self.units.append(self.unit("para", rng.choice(paragraphs).text))
            elif roll < 0.6 and paragraphs:
                # A look-alike: the same template, other names and figures.
                self.units.append(self.unit("para", self.look_alike(rng.choice(paragraphs).text)))
            else:
                p = self.unit("para", self.paragraph())
                paragraphs.append(p)
                self.units.append(p)
        if not self.units:
            self.units.append(self.unit("para", self.paragraph()))
        self.drawn = [u.text for u in self.units]

    def paragraph(self, sentences: list[str] | None = None) -> str:
        rng = self.rng
        return " ".join(
            _fill(rng.choice(sentences or SENTENCES), rng) for _ in range(rng.randint(1, 3))
        )

    def bullet_list(self) -> list[Unit]:
        rng = self.rng
        lead_ins = rng.sample(LEAD_INS, rng.choice([1, 1, 2]))
        units = [self.unit("para", rng.choice(INTROS))]
        for _ in range(rng.randint(2, 7)):
            units.append(self.unit("bullet", self.bullet(rng.choice(lead_ins))))
        return units

    def bullet(self, lead_in: str) -> str:
        return f"{lead_in} {_fill(BULLET_TAILS[lead_in], self.rng)}"

    def look_alike(self, text: str) -> str:
        """text with one of its figures or names changed (or itself when it has none)."""
        rng = self.rng
        figures = list(re.finditer(r"\d+", text))
        if figures and rng.random() < 0.6:
            m = rng.choice(figures)
            other = str(int(m.group()) + rng.randint(1, 9))
            return text[: m.start()] + other + text[m.end() :]
        for old, new in rng.sample(SWAPS, len(SWAPS)):
            m = re.search(rf"\b{re.escape(old)}\b", text)
            if m:
                return text[: m.start()] + new + text[m.end() :]
        return text

    def draw_marks(self, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            u = rng.choice(self.units)
            words = [m.span() for m in re.finditer(r"\S+", u.text)]
            roll = rng.random()
            if roll < 0.15:
                start, end = 0, len(u.text)
            elif roll < 0.3 and u.kind == "bullet":
                # The shared lead-in, or the lead-in and a word more.
                k = min(len(words) - 1, rng.randint(1, 4))
                start, end = 0, words[k][1]
            elif roll < 0.45:
                sentences = [m.span() for m in re.finditer(r"[^.]+\.?", u.text)]
                start, end = rng.choice(sentences)
                while start < end and u.text[start] == " ":
                    start += 1
            elif roll < 0.9:
                first = rng.randrange(len(words))
                last = min(len(words) - 1, first + rng.choice([0, 0, 1, 2, 3, 5]))
                start, end = words[first][0], words[last][1]
                if rng.random() < 0.3:  # without its punctuation
                    while end - 1 > start and not u.text[end - 1].isalnum():
                        end -= 1
            else:
                start = rng.randrange(len(u.text))
                end = rng.randint(start + 1, min(len(u.text), start + 60))
            if end > start and u.text[start:end].strip():
                self.marks.append(Mark(u.id, start, end))

    # --- edits ---

    def index(self, unit_id: int) -> int:
        return next(k for k, u in enumerate(self.units) if u.id == unit_id)

    def siblings(self, k: int) -> list[int]:
        """Indices of units like units[k]: bullets of its list, or the paragraphs."""
        kind = self.units[k].kind
        if kind != "bullet":
            return [j for j, u in enumerate(self.units) if u.kind == "para"]
        lo = hi = k
        while lo > 0 and self.units[lo - 1].kind == "bullet":
            lo -= 1
        while hi + 1 < len(self.units) and self.units[hi + 1].kind == "bullet":
            hi += 1
        return list(range(lo, hi + 1))

    def lose(self, unit_id: int) -> None:
        for m in self.marks:
            if m.unit == unit_id:
                m.lost = True

    def edit_text(self, k: int, start: int, end: int, replacement: str) -> None:
        """Replace units[k].text[start:end], carrying the passages in that unit along."""
        u = self.units[k]
        u.text = u.text[:start] + replacement + u.text[end:]
        delta = len(replacement) - (end - start)
        for m in self.marks:
            if m.unit != u.id or m.lost:
                continue
            if m.end <= start:
                continue
            if m.start >= end:
                m.start, m.end = m.start + delta, m.end + delta
            else:  # the edit touches the passage: it now spans the new words too
                m.start = min(m.start, start)
                m.end = max(m.end + delta, start + len(replacement))

    def edit(self) -> str:
        """Make one random edit that changes the text; return its name ("none" when it would not)."""
        before, saved = self.render()[0], copy.deepcopy((self.units, self.marks))
        what = self._edit()
        if self.render()[0] == before:
            # Swapping two equal paragraphs, say: no edit at all. The marks are
            # restored in place (the caller holds them).
            self.units = saved[0]
            for mark, was in zip(self.marks, saved[1], strict=True):
                mark.__dict__.update(was.__dict__)
            return "none"
        return what

    def _edit(self) -> str:
        rng = self.rng
        k = rng.randrange(len(self.units))
        u = self.units[k]
        kinds = ["swap", "delete", "insert", "replace", "duplicate", "move", "word", "word",
                 "case", "rewrite-one"]  # fmt: skip
        if rng.random() < 0.05:
            kinds = ["rewrite"]
        what = rng.choice(kinds)
        if what == "swap":
            others = [j for j in self.siblings(k) if j != k]
            if not others:
                return "none"
            j = rng.choice(others)
            self.units[k], self.units[j] = self.units[j], self.units[k]
        elif what == "delete":
            if len(self.units) == 1:
                return "none"
            self.lose(u.id)
            del self.units[k]
        elif what in {"insert", "replace"}:
            new = self.similar_unit(u)
            if what == "replace":
                if Levenshtein.normalized_similarity(u.text, new.text) >= SAME_UNIT:
                    # So like the old one that no one could tell it from an
                    # edit of it: it is one (its passages follow the edit).
                    head = _common_prefix(u.text, new.text)
                    tail = _common_prefix(u.text[head:][::-1], new.text[head:][::-1])
                    self.edit_text(
                        k, head, len(u.text) - tail, new.text[head : len(new.text) - tail]
                    )
                    return "replace:edit"
                self.lose(u.id)
                self.units[k] = new
            else:
                self.units.insert(k + rng.choice([0, 1]), new)
        elif what == "duplicate":
            copy = self.unit(u.kind, u.text, u.sentence_case)
            near = (
                [j for j in self.siblings(k)] if u.kind == "bullet" else range(len(self.units) + 1)
            )
            at = rng.choice([k, k + 1, rng.choice(list(near) or [k])])
            self.units.insert(min(at, len(self.units)), copy)
        elif what == "move":
            if u.kind == "bullet":
                places = self.siblings(k)
            else:
                places = [j for j, v in enumerate(self.units) if v.kind != "bullet"]
            j = rng.choice(places)
            del self.units[k]
            self.units.insert(min(j, len(self.units)), u)
        elif what == "word":
            return self.word_edit(k)
        elif what == "case":
            return self.case_edit(k)
        elif what == "rewrite-one":
            if u.kind == "headline":
                return "none"
            self.lose(u.id)
            self.units[k] = self.unit("para", self.paragraph(OTHER_SENTENCES))
            if u.kind == "bullet":
                self.units[k].kind = "bullet"
        elif what == "rewrite":
            for v in self.units:
                self.lose(v.id)
            other = Report(rng)
            other._next = self._next
            for _ in range(rng.randint(1, 4)):
                other.units.append(other.unit("para", other.paragraph(OTHER_SENTENCES)))
            self._next = other._next
            self.units = other.units
        return what

    def similar_unit(self, u: Unit) -> Unit:
        rng = self.rng
        if u.kind == "bullet":
            lead_in = next((li for li in LEAD_INS if u.text.startswith(li)), rng.choice(LEAD_INS))
            text = self.look_alike(u.text) if rng.random() < 0.4 else self.bullet(lead_in)
            return self.unit("bullet", text)
        if rng.random() < 0.4:
            return self.unit("para", self.look_alike(u.text))
        # Another paragraph: none of its sentences made from the same mould as
        # one of u's or of the report as it was (that would be a sentence
        # edited, perhaps after it was deleted, not another one).
        for _ in range(50):
            text = self.paragraph()
            if not any(_shares_run(text, other) for other in [u.text, *self.drawn]):
                return self.unit("para", text)
        return self.unit("para", self.paragraph(OTHER_SENTENCES))

    def word_edit(self, k: int) -> str:
        rng = self.rng
        u = self.units[k]
        words = list(re.finditer(r"[\w,']+", u.text))
        if not words:
            return "none"
        roll = rng.random()
        if roll < 0.35:
            figures = [m for m in words if m.group().isdigit()]
            if figures:
                m = rng.choice(figures)
                # Often a figure a sibling has: the edited sentence becomes a look-alike.
                others = sorted(
                    {f for v in self.units for f in re.findall(r"\d+", v.text)} - {m.group()}
                )
                new = (
                    rng.choice(others) if others and rng.random() < 0.6 else str(int(m.group()) + 1)
                )
                self.edit_text(k, m.start(), m.end(), new)
                return "word:figure"
        if roll < 0.7:
            for old, new in rng.sample(SWAPS, len(SWAPS)):
                found = [m for m in words if m.group() == old]
                if found:
                    m = rng.choice(found)
                    self.edit_text(k, m.start(), m.end(), new)
                    return "word:swap"
        if roll < 0.85:
            m = rng.choice(words)
            self.edit_text(
                k, m.start(), m.start(), rng.choice(["reportedly ", "all ", "living ", "new "])
            )
            return "word:insert"
        m = rng.choice(words)
        end = m.end()
        if end < len(u.text) and u.text[end] == " ":
            end += 1
        elif m.start() > 0 and u.text[m.start() - 1] == " ":
            return self._delete(k, m.start() - 1, m.end())
        return self._delete(k, m.start(), end)

    def _delete(self, k: int, start: int, end: int) -> str:
        if end - start >= len(self.units[k].text):
            return "none"
        self.edit_text(k, start, end, "")
        return "word:delete"

    def case_edit(self, k: int) -> str:
        """A case-only rewrite: a headline in capitals to sentence case (or back), or a paragraph in capitals."""
        u = self.units[k]
        if u.kind == "headline":
            target = u.sentence_case if u.text != u.sentence_case else u.sentence_case.upper()
        elif self.rng.random() < 0.5:
            target = u.text.upper()
        else:
            target = u.text[:1].lower() + u.text[1:]
        if target == u.text or len(target) != len(u.text):
            return "none"
        u.text = target  # same length, same places: every passage keeps its span
        return "case"


def make_case(rng: random.Random, *, marks: int = 12, edits: int | None = None) -> Case:
    """A report, passages on it, and a revision by one to three random edits."""
    report = Report(rng)
    report.draw()
    report.draw_marks(marks)
    old, at = report.render()
    assert canonicalize(old) == old, old
    old_texts = {u.id: u.text for u in report.units}
    quotes = [(m, m.unit, old[at[m.unit] + m.start : at[m.unit] + m.end]) for m in report.marks]
    anchors = [anchor_for(old, at[m.unit] + m.start, at[m.unit] + m.end) for m in report.marks]
    names = [report.edit() for _ in range(edits if edits is not None else rng.choice([1, 1, 2, 3]))]
    new, at = report.render()
    assert canonicalize(new) == new, new
    # A unit deleted or replaced, and one added so like it that no one could
    # tell the two edits from an edit of it (a look-alike bullet inserted
    # where a deleted one was): its passages are taken to have been edited.
    added = [u for u in report.units if u.id not in old_texts]
    heir_of: dict[int, int] = {}
    for unit_id in sorted({m.unit for m in report.marks if m.lost or m.unit not in at}):
        was = old_texts[unit_id]
        alike = [(Levenshtein.normalized_similarity(was, u.text), u) for u in added]
        alike = [(sim, u) for sim, u in alike if sim >= SAME_UNIT]
        if not alike:
            continue
        _, heir = max(alike, key=lambda pair: pair[0])
        added.remove(heir)
        heir_of[heir.id] = unit_id
        for m in report.marks:
            if m.unit == unit_id:
                start, end = _carry(was, heir.text, m.start, m.end)
                m.unit, m.start, m.end, m.lost = heir.id, start, end, False
    truths = []
    for m, origin, quote in quotes:
        twins = tuple(
            (at[u.id], at[u.id] + len(u.text))
            for u in report.units
            if u.id != m.unit
            and old_texts[origin]
            in (u.text, old_texts.get(u.id), old_texts.get(heir_of.get(u.id, -1)))
        )
        if m.lost or m.unit not in at:
            truths.append(Truth(None, None, False, twins))
            continue
        start, end = at[m.unit] + m.start, at[m.unit] + m.end
        truths.append(Truth(start, end, new[start:end] == quote, twins))
    return Case(old, new, anchors, truths, names)


# --- judging an outcome ----------------------------------------------------------------


def placed_right(result: Reanchored, truth: Truth) -> bool:
    """Whether a placed passage sits at its true place (for changed words: overlapping it)."""
    if result.start is None or truth.start is None:
        return False
    if truth.unchanged:
        return (result.start, result.end) == (truth.start, truth.end)
    return result.start < truth.end and truth.start < result.end


def verdict(result: Reanchored, truth: Truth, anchor: Anchor, new: str) -> str:
    """One word for an outcome: right, silent-wrong, silent-twin (on a word for word
    copy of its paragraph), flagged-wrong, orphan, lost (a wrong orphan)."""
    if result.status == "orphaned":
        if truth.start is not None and truth.unchanged and new.count(anchor.quote) == 1:
            return "lost"  # its words are there, once, unchanged
        return "orphan"
    if placed_right(result, truth):
        return "right"
    if result.status in {"anchored", "moved"} and not result.needs_review:
        if any(lo <= result.start and result.end <= hi for lo, hi in truth.twins):
            return "silent-twin"
        return "silent-wrong"
    return "flagged-wrong"
