"""The plain rules behind suggestions: what a sentence asserts, read from its words.

Pure functions, no ORM; the database side (full-text search over clauses,
trigram matching of party names) is in matching.py, and engine.py combines
both. Everything here is a word list or a regular expression a reader can
check, per language (English and Arabic; other languages get only the
language-independent rules: figures and the database matching).

- segments(): which part of a sentence is its main statement, which a
  condition ("if Israel withdraws", "unless …") and which the attribution
  ("the official said", "according to …"). Clause matching weighs the main
  part fully, a condition less, an attribution not at all.
- cues(): compliance asserted ("violated", "refused", "did not begin",
  "released", "withdrew", "partial"), offers, demands, deadlines and figures.
- phase_reference(): "phase two", "the second phase", "المرحلة الثانية".
- assertion(): the claim kind and compliance those cues add up to.
- proposal(): a statement and attribution to pre-fill, from the sentence.
- typo_of(): a name misspelt by a transposed, doubled or missing letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Claim kinds and compliance values, as spelt by dealtracker.claims.models
# (kept as strings here so the rules stay free of the ORM).
COMPLIANCE = "compliance"
OFFER = "offer"
DEMAND = "demand"
FIGURE = "figure"
OTHER = "other"

COMPLIED = "complied"
PARTLY = "partly"
NOT_COMPLIED = "not_complied"
NOT_YET_DUE = "not_yet_due"
UNCLEAR = "unclear"

MAIN, CONDITION, ATTRIBUTION = "main", "condition", "attribution"


def language_key(language: str) -> str:
    return (language or "").split("-")[0].lower()


def _words(*alternatives: str) -> str:
    return "|".join(alternatives)


# --- English -------------------------------------------------------------------

_EN_REPORTING = _words(
    "said",
    "says",
    "say",
    "stated",
    "states",
    "added",
    "claimed",
    "claims",
    "stressed",
    "insisted",
    "warned",
    "argued",
    "noted",
    "reported",
    "confirmed",
    "announced",
    "accused",
    "accuses",
    "alleged",
    "denied",
    "wrote",
)
_EN_OBJECT = (
    r"(?:(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:of\s+|the\s+|de\s+|al-)?[A-Z][\w'’.-]*){0,5}"
    r"|him|her|them|us|me|reporters|journalists|the\s+\w+)"
)
_EN_SPEAKER = r"(?:[^\s,;]+\s+){0,11}?[^\s,;]+"
_EN_SAYS = (
    rf"(?:(?:has|had|have|also|again|later|then|earlier)\s+)*"
    rf"(?:(?P<told>told|tells)\s+{_EN_OBJECT}|(?P<verb>{_EN_REPORTING}))"
)
# "X said (that) …" at the start of the sentence or after a comma.
_EN_LEAD_ATTRIBUTION = re.compile(
    rf"(?:^|(?<=[,;]\s))(?P<who>{_EN_SPEAKER})\s+{_EN_SAYS}(?:\s+that)?\s+(?=\S)"
)
_EN_ACCORDING = re.compile(r"^(?:according\s+to|citing)\s+(?P<who>[^,]{2,120}),\s*", re.I)
# "…, X said." / "…, X told Y." / "…, said X." at the end.
_EN_TAIL_ATTRIBUTION = re.compile(
    rf",\s+(?P<who>{_EN_SPEAKER})\s+{_EN_SAYS}[.!]?[\"”’]?$"
    rf"|,\s+(?:said|says|told)\s+(?P<who2>[^,;]{{2,80}}?)[.!]?[\"”’]?$",
)
_EN_CONDITION = re.compile(
    r"\b(?:if|unless|provided(?:\s+that)?|on\s+(?:the\s+)?condition(?:\s+that|\s+of)?|"
    r"under\s+the\s+condition(?:\s+that|\s+of)?|in\s+return\s+for|in\s+exchange\s+for|"
    r"as\s+long\s+as|once|in\s+return)\b[^,;]*",
    re.I,
)

# Negation in front of an action: "did not begin", "has yet to withdraw", "failed to release".
_EN_NEGATION = (
    r"(?:did\s+not|didn['’]t|does\s+not|doesn['’]t|do\s+not|don['’]t|has\s+not|hasn['’]t|"
    r"have\s+not|haven['’]t|had\s+not|hadn['’]t|was\s+not|wasn['’]t|were\s+not|weren['’]t|"
    r"is\s+not|isn['’]t|are\s+not|aren['’]t|never|failed\s+to|fails\s+to|failing\s+to|"
    r"refused\s+to|refuses\s+to|refusing\s+to|yet\s+to|not\s+yet|no\s+longer|without|not)"
)
_EN_MODAL = r"(?:would|will|could|should|may|might|can|cannot|can['’]t|won['’]t|wouldn['’]t)"
# Actions a term asks for, in any form (negated, they assert non-compliance).
_EN_ACTION = _words(
    r"releas\w*",
    r"fre(?:e|ed|es|eing)",
    r"withdr[ae]w\w*",
    r"pull(?:ed|s|ing)?\s+(?:out|back)",
    r"beg[iau]n\w*",
    r"start\w*",
    r"compl(?:y|ied|ies|ying)",
    r"honou?r\w*",
    r"implement\w*",
    r"respect\w*",
    r"abid\w*",
    r"(?:re)?open\w*",
    r"allow\w*",
    r"let\s+in",
    r"deliver\w*",
    r"return\w*",
    r"hand(?:ed|s|ing)?\s+over",
    r"enter\w*",
    r"stop\w*",
    r"halt\w*",
    r"end(?:ed|s|ing)?",
    r"ceas(?:e|ed|es|ing)",
    r"h[oe]ld\w*",
    r"k[e]ep\w*|kept",
    r"me(?:et|eting|ets|t)",
    r"mov(?:e|ed|es|ing)\s+forward",
    r"proceed\w*",
    r"carr(?:y|ied|ies|ying)\s+out",
    r"fulfil\w*",
    r"lift\w*",
)
_EN_NEGATED_ACTION = re.compile(
    rf"\b{_EN_NEGATION}\s+(?:\w+ly\s+|yet\s+|even\s+|been\s+|be\s+)?(?:{_EN_ACTION})\b",
    re.I,
)
_EN_MODAL_BEFORE = re.compile(rf"\b{_EN_MODAL}\s+$", re.I)
_EN_MODAL_NEGATION = re.compile(rf"\b{_EN_MODAL}\s+not\b|\b(?:won['’]t|wouldn['’]t)\b", re.I)
_EN_VIOLATION = re.compile(
    r"\b(?:violat\w*|breach\w*|reneg\w*|backtrack\w*|obstruct\w*|block(?:ed|ing|s|ade)?|"
    r"prevent(?:ed|ing|s)?|withh[eo]ld\w*|refus\w*|stall\w*|delay(?:ed|ing|s)?|avoid(?:ed|ing|s)?|"
    r"ignor(?:ed|ing|es)|flout\w*|undermin\w*|sabotag\w*|"
    r"br(?:oke|eak|eaks|eaking|oken)\s+(?:the\s+|its\s+|their\s+|a\s+)?(?:ceasefire|truce|deal|agreement|promise|commitment|terms)|"
    r"attack(?:ed|s)?|fired\s+on|shell(?:ed|ing)|struck|air\s*strikes?|raid(?:ed|s)|"
    r"resum(?:ed|es|ing)\s+(?:\w+\s+)?(?:fighting|strikes|attacks|hostilities|operations|bombardment|war)|"
    r"continu\w*\s+(?:to\s+)?(?:\w+\s+)?(?:fight\w*|attack\w*|strik\w*|bomb\w*|military|operations|offensive|shelling|war)|"
    r"(?:campaign|operations|fighting|strikes|offensive|bombardment|war)\s+(?:\w+\s+){0,3}?"
    r"(?:continues|continued|presses\s+on|pressed\s+on|goes\s+on|went\s+on|is\s+ongoing|resumed))\b",
    re.I,
)
_EN_COMPLIED = re.compile(
    r"\b(?:released|freed|withdrew|withdrawn|pulled\s+(?:out|back)|handed\s+over|returned|reopened|"
    r"opened|allowed|let\s+in|delivered|entered|began|begun|started|complied|honou?red|"
    r"implemented|respected|abided|carried\s+out|completed|held|kept|fulfill?ed|lifted|took\s+place|"
    r"(?:is|are|was|were|has\s+been|have\s+been)\s+in\s+place)\b",
    re.I,
)
_EN_PARTLY = re.compile(
    r"\b(?:partial(?:ly)?|partly|in\s+part|only\s+(?:some|part|a\s+few|a\s+fraction|half|\d[\d,]*)|"
    r"some\s+of\s+the|fewer\s+than|not\s+all|incomplete(?:ly)?|short\s+of)\b",
    re.I,
)
_EN_DEADLINE = re.compile(
    r"\b(?:(?:is|are|was|were)\s+(?:due|scheduled|set|expected|supposed|meant)\s+to|"
    r"(?:is|are)\s+to\s+(?:begin|start|take\s+effect)|deadline|within\s+\d+\s+(?:hours|days))\b",
    re.I,
)
_EN_PAST_DEADLINE = re.compile(
    r"\b(?:was|were)\s+(?:due|scheduled|supposed|meant|expected)\s+to\b", re.I
)
_EN_OFFER = re.compile(
    r"\b(?:(?:ready|prepared|willing|open)\s+to|offer(?:ed|s|ing)?|propos(?:ed|es|al|als)|"
    r"accept(?:ed|s|ing)?|reject(?:ed|s|ing)?|agree(?:d|s)?\s+to|stand\s+by|stands\s+by|"
    r"(?:will|would)\s+\w+[^.]*\bif\b|if\b[^.]*,\s*\w+(?:\s+\w+)?\s+(?:will|would)\b)",
    re.I,
)
_EN_DEMAND = re.compile(
    r"\b(?:demand(?:s|ed|ing)?|insist(?:s|ed|ing)?|call(?:s|ed|ing)?\s+for|urg(?:e|es|ed|ing)|"
    r"must|unless|conditions?)\b",
    re.I,
)
_EN_NEGATED_DEMAND = re.compile(rf"\b{_EN_NEGATION}\s+(?:demand\w*|insist\w*|call\w*\s+for)", re.I)
_EN_NUMBER_WORDS = (
    r"(?:dozens|scores|hundreds|thousands|millions|tens\s+of\s+thousands|hundreds\s+of\s+thousands)"
)
_EN_COUNTED = (
    r"(?:people|persons|civilians|palestinians|israelis|hostages|captives|prisoners|detainees|"
    r"soldiers|fighters|militants|children|women|men|trucks|lorries|tonnes|tons|homes|houses|"
    r"buildings|dead|deaths|killed|died|wounded|injured|displaced|casualties|bodies|patients|"
    r"refugees|families|aid|meals|litres|liters|km|kilometres|kilometers|percent|per\s+cent|%)"
)
_EN_FIGURE = re.compile(
    rf"(?:\b(?P<n>\d[\d,]*(?:\.\d+)?|{_EN_NUMBER_WORDS})(?:\s*%|\s+(?:\w+[\s-]+){{0,3}}?{_EN_COUNTED}\b))",
    re.I,
)
_EN_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)
_EN_DATE_NUMBER = re.compile(
    rf"\b{_EN_MONTHS}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_EN_MONTHS}\b|\b(?:19|20)\d\d\b", re.I
)
_EN_BARE_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_ORDINALS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
}
_EN_PHASE = re.compile(
    r"\b(?:phase|stage)[\s-]+(?P<a>one|two|three|four|1|2|3|4|iii|ii|iv|i)\b|"
    r"\b(?P<b>first|second|third|fourth)[\s-]+(?:phase|stage)\b",
    re.I,
)
_EN_PRONOUN_SPEAKER = re.compile(
    r"^(?:he|she|they|it|we|i|him|her|them|us|me|the\s+(?:official|source|spokes\w+|group|movement|minister|officials|sources))$",
    re.I,
)

# A sentence whose subject is one of these refers back to the sentence before.
_EN_ANAPHORIC_SUBJECT = re.compile(
    r"^(?:(?:however|meanwhile|instead|also|but|and|still|yet|later|then),?\s+)?"
    r"(?:he|she|they|it|the\s+(?:group|movement|government|country|side|army|military|"
    r"militants|organi[sz]ation|state|faction))\b",
    re.I,
)


def refers_back(text: str, language: str) -> bool:
    """Whether the sentence's subject is a pronoun or "the group" (English only)."""
    return language_key(language) != "ar" and bool(_EN_ANAPHORIC_SUBJECT.match(text.strip()))


# Words of deal-talk, not of any one clause: they match every deal's clauses
# alike ("that part of the deal", "a deal brokered in January").
GENERIC_WORDS = {
    "en": (
        "deal deals agreement agreements accord accords pact terms term clause clauses provision "
        "provisions part parts side sides party parties broker brokered brokering mediated "
        "original earlier latest first step "
        # degree words: "the full release", "a complete halt" say how much, not what
        "full fully complete completely total totally entire entirely immediate immediately"
    ).split(),
    "ar": "اتفاق الاتفاق اتفاقية الاتفاقية صفقة الصفقة بند البند بنود الوسطاء".split(),
}

# --- Arabic --------------------------------------------------------------------
# Words may carry the conjunction و/ف and a preposition ب/ل/ك, and nouns the article ال.
_AR_PRE = r"(?<!\w)(?:[وف])?(?:[بلك])?(?:ال)?"
_AR_END = r"\w*"


def _ar(*stems: str) -> str:
    return _AR_PRE + "(?:" + "|".join(stems) + ")" + _AR_END


# "قال المسؤول إن …" (the official said that …): the verb comes first.
_AR_LEAD_ATTRIBUTION = re.compile(
    r"^(?:[وف])?(?:قال|قالت|أكد|أكدت|أعلن|أعلنت|أضاف|أضافت|اتهم|اتهمت|ذكر|ذكرت)\s+"
    r"(?P<who>(?:\S+\s+){0,5}?\S+)\s+(?:إن|أن|إنه|إنها|أنه|أنها)(?!\w)\s*"
)
_AR_ACCORDING = re.compile(r"^(?:وفقا|وفقاً|بحسب|حسب)\s+(?:ل)?(?P<who>[^،,]{2,120})[،,]\s*")
_AR_CONDITION = re.compile(
    r"(?<!\w)(?:إذا|إذ|لو|ما\s+لم|شرط|بشرط|شريطة|مقابل|في\s+مقابل)(?!\w)[^،,؛;]*"
)
_AR_NEGATION = r"(?<!\w)(?:لم|لن|لا|ما|ليس|دون|رفض|رفضت|يرفض|ترفض)(?!\w)"
_AR_ACTION = (
    r"(?:[يت]?(?:بدأ|بدأت|بدء|بدا)|[يت]?نسحب\w*|انسحب\w*|الانسحاب|[يت]فرج|أفرج\w*|الإفراج|"
    r"[يت]طلق|أطلق\w*|[يت]لتزم\w*|التزم\w*|[يت]نفذ\w*|نفذ\w*|[يت]سمح|سمح\w*|[يت]فتح|فتح\w*|"
    r"[يت]سلم|سلم\w*|[يت]وقف\w*|أوقف\w*)"
)
_AR_NEGATED_ACTION = re.compile(rf"{_AR_NEGATION}\s+(?:\S+\s+)?[وف]?{_AR_ACTION}")
_AR_VIOLATION = re.compile(
    _ar(
        "انتهك",
        "انتهاك",
        "خرق",
        "خروقات",
        "أخل",
        "إخلال",
        "تنصل",
        "عرقل",
        "عرقلة",
        "منع",
        "رفض",
        "قصف",
        "هاجم",
        "هجوم",
        "غارات",
        "غارة",
    )
)
_AR_COMPLIED = re.compile(
    _ar(
        "أفرج",
        "أطلق سراح",
        "أطلقت سراح",
        "انسحب",
        "سلم",
        "سلمت",
        "فتح",
        "فتحت",
        "سمح",
        "سمحت",
        "بدأ",
        "بدأت",
        "التزم",
        "التزمت",
        "نفذ",
        "نفذت",
        "دخلت",
        "أعاد",
    )
)
_AR_PARTLY = re.compile(_ar("جزئي", "بعض", "جزء من"))
_AR_DEADLINE = re.compile(_ar("موعد", "مقرر", "المقرر", "من المفترض", "يفترض"))
_AR_OFFER = re.compile(
    _ar("مستعد", "استعداد", "عرض", "اقتراح", "مقترح", "وافق", "توافق", "قبول", "قبل", "رفض المقترح")
)
_AR_DEMAND = re.compile(_ar("طالب", "يطالب", "تطالب", "مطالب", "يجب", "شرط", "بشرط"))
_AR_COUNTED = (
    r"(?:قتيل|قتلى|شهيد|شهداء|أسير|أسرى|رهينة|رهائن|محتجز\w*|شاحنة|شاحنات|جريح|جرحى|نازح\w*|"
    r"مدني\w*|فلسطيني\w*|إسرائيلي\w*|طفل|أطفال|ألف|آلاف|بالمئة|في المئة|%)"
)
_AR_FIGURE = re.compile(rf"(?P<n>\d[\d,٬.]*)\s*(?:\S+\s+){{0,2}}?(?:[وبل]?(?:ال)?){_AR_COUNTED}")
_AR_PHASE = re.compile(
    r"(?<!\w)(?:[وبلف]|في\s+)?(?:ال)?مرحلة\s+(?P<b>الأولى|الاولى|الثانية|الثالثة|الرابعة|\d)(?!\w)"
)
_AR_ORDINALS = {"الأولى": 1, "الاولى": 1, "الثانية": 2, "الثالثة": 3, "الرابعة": 4}


# --- segments ------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    role: str  # MAIN, CONDITION or ATTRIBUTION
    start: int  # offsets into the sentence
    end: int


def segments(text: str, language: str) -> list[Segment]:
    """The sentence cut into its main part, conditions and attribution, in order."""
    roles = [MAIN] * len(text)
    condition = _AR_CONDITION if language_key(language) == "ar" else _EN_CONDITION
    spans = [(m.start(), m.end(), CONDITION) for m in condition.finditer(text)]
    spans += [(a.start, a.end, ATTRIBUTION) for a in attributions(text, language)]
    for start, end, role in spans:
        for i in range(start, end):
            roles[i] = role
    out: list[Segment] = []
    for i, role in enumerate(roles):
        if out and out[-1].role == role and out[-1].end == i:
            out[-1] = Segment(role, out[-1].start, i + 1)
        else:
            out.append(Segment(role, i, i + 1))
    return out


@dataclass(frozen=True)
class Attribution:
    start: int
    end: int
    who: str
    accusing: bool  # "X accused Y of …": the frame is part of the claim


def attributions(text: str, language: str) -> list[Attribution]:
    """Who the sentence says is speaking, and where that frame is."""
    lang = language_key(language)
    found: list[Attribution] = []
    if lang == "ar":
        patterns = [_AR_ACCORDING, _AR_LEAD_ATTRIBUTION]
    else:
        patterns = [_EN_ACCORDING, _EN_LEAD_ATTRIBUTION, _EN_TAIL_ATTRIBUTION]
    for pattern in patterns:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            who = (groups.get("who") or groups.get("who2") or "").strip()
            if not _speaker_like(who):
                continue
            verb = (groups.get("verb") or "").lower()
            accusing = verb.startswith(("accus", "alleg", "den"))
            found.append(Attribution(match.start(), match.end(), who, accusing))
            break
    return found


def _speaker_like(who: str) -> bool:
    """An attribution names someone: not a clause that happens to precede "said"."""
    who = who.strip()
    if not who or len(who) > 160:
        return False
    # "Israel said …" and "the official said …" are attributions; "the deal, which
    # Hamas says …" is caught as a tail; a speaker has no verb of its own.
    return not re.search(r"\b(?:is|are|was|were|has|have|had|will|would|did|does)\b", who, re.I)


# --- cues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    kind: str  # "not_complied", "complied", "partly", "deadline", "offer", "demand", "figure"
    words: str  # the words that made it, as written
    role: str = MAIN  # the segment it was found in
    start: int = 0  # where it stands in the sentence
    end: int = 0


@dataclass
class Reading:
    """What the rules read in one sentence."""

    cues: list[Cue] = field(default_factory=list)
    phase_order: int | None = None
    phase_words: str = ""
    phase_span: tuple[int, int] | None = None
    figures: list[str] = field(default_factory=list)
    modal_negation: bool = False
    past_deadline: bool = False

    def has(self, kind: str, *, main_only: bool = False) -> bool:
        return any(c.kind == kind and (not main_only or c.role != CONDITION) for c in self.cues)


def _role_at(segs: list[Segment], at: int) -> str:
    for seg in segs:
        if seg.start <= at < seg.end:
            return seg.role
    return MAIN


def read(text: str, language: str, segs: list[Segment] | None = None) -> Reading:
    """The cues of one sentence (see the module docstring)."""
    lang = language_key(language)
    segs = segs if segs is not None else segments(text, language)
    reading = Reading()

    def add(kind: str, match: re.Match) -> None:
        reading.cues.append(
            Cue(kind, match.group(0).strip(), _role_at(segs, match.start()), *match.span())
        )

    if lang == "ar":
        negated, violation, complied, partly = (
            _AR_NEGATED_ACTION,
            _AR_VIOLATION,
            _AR_COMPLIED,
            _AR_PARTLY,
        )
        deadline, offer, demand, figure, phase = (
            _AR_DEADLINE,
            _AR_OFFER,
            _AR_DEMAND,
            _AR_FIGURE,
            _AR_PHASE,
        )
    else:
        negated, violation, complied, partly = (
            _EN_NEGATED_ACTION,
            _EN_VIOLATION,
            _EN_COMPLIED,
            _EN_PARTLY,
        )
        deadline, offer, demand, figure, phase = (
            _EN_DEADLINE,
            _EN_OFFER,
            _EN_DEMAND,
            _EN_FIGURE,
            _EN_PHASE,
        )
        reading.modal_negation = bool(_EN_MODAL_NEGATION.search(text))
        reading.past_deadline = bool(_EN_PAST_DEADLINE.search(text))
        negated_demand = _EN_NEGATED_DEMAND.search(text)
        if negated_demand:
            # "is not demanding to remain in power": a position, not a demand.
            add("offer", negated_demand)

    negated_spans: list[tuple[int, int]] = []
    for match in negated.finditer(text):
        negated_spans.append(match.span())
        if lang != "ar" and _EN_MODAL_BEFORE.search(text, 0, match.start()):
            # "will not release … until": a position, not a failure.
            reading.modal_negation = True
            continue
        add("not_complied", match)
    for match in violation.finditer(text):
        if not _inside(match.span(), negated_spans):
            add("not_complied", match)
    for match in partly.finditer(text):
        add("partly", match)
    for match in complied.finditer(text):
        if not _inside(match.span(), negated_spans):
            add("complied", match)
    for match in deadline.finditer(text):
        add("deadline", match)
    for match in offer.finditer(text):
        add("offer", match)
    negated_demand_done = lang != "ar" and _EN_NEGATED_DEMAND.search(text)
    for match in demand.finditer(text):
        if not (negated_demand_done and _inside(match.span(), [negated_demand_done.span()])):
            add("demand", match)
    dates = [m.span() for m in _EN_DATE_NUMBER.finditer(text)] if lang != "ar" else []
    phase_match = phase.search(text)
    for match in figure.finditer(text):
        if _inside(match.span("n"), dates):
            continue
        if phase_match and _inside(match.span("n"), [phase_match.span()]):
            continue
        add("figure", match)
        reading.figures.append(match.group(0).strip())
    if phase_match:
        word = (phase_match.group("a") if lang != "ar" else None) or phase_match.group("b")
        ordinals = _AR_ORDINALS if lang == "ar" else _ORDINALS
        reading.phase_order = ordinals.get(word.lower()) or (int(word) if word.isdigit() else None)
        reading.phase_words = phase_match.group(0).strip()
        reading.phase_span = phase_match.span()
    return reading


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s <= span[0] < e or s < span[1] <= e for s, e in spans)


def has_bare_number(text: str, language: str) -> bool:
    """A number that is not a date or a year ("50,000", "3.5"), for figures without a noun."""
    if language_key(language) == "ar":
        return bool(re.search(r"\d", text))
    dates = [m.span() for m in _EN_DATE_NUMBER.finditer(text)]
    return any(not _inside(m.span(), dates) for m in _EN_BARE_NUMBER.finditer(text))


# --- what the sentence asserts ------------------------------------------------------------


@dataclass(frozen=True)
class Assertion:
    kind: str
    compliance: str  # "" unless kind is compliance
    cue: Cue | None  # the cue that decided it


def assertion(reading: Reading) -> Assertion:
    """The claim kind (and compliance) the cues add up to; the strongest cue wins.

    A cue inside a condition ("if Israel fails to withdraw") asserts nothing
    done or not done: it makes an offer or a demand. A negation under a modal
    ("Hamas would not disarm") is a position, not a failure.
    """
    # Offers and demands are often conditions ("unless …", "if Israel withdraws, Hamas
    # will …"); what was or was not done counts only outside them.
    main = [c for c in reading.cues if c.role != CONDITION or c.kind in ("offer", "demand")]

    def first(kind: str) -> Cue | None:
        return next((c for c in main if c.kind == kind), None)

    offer, demand = first("offer"), first("demand")
    not_complied = first("not_complied")
    if not_complied and not reading.modal_negation:
        return Assertion(COMPLIANCE, NOT_COMPLIED, not_complied)
    if first("partly"):
        return Assertion(COMPLIANCE, PARTLY, first("partly"))
    complied = first("complied")
    if complied and not (offer or demand):
        return Assertion(COMPLIANCE, COMPLIED, complied)
    if demand and (reading.modal_negation or not offer):
        return Assertion(DEMAND, "", demand)
    if offer:
        return Assertion(OFFER, "", offer)
    if first("deadline"):
        compliance = UNCLEAR if reading.past_deadline else NOT_YET_DUE
        return Assertion(COMPLIANCE, compliance, first("deadline"))
    if first("figure"):
        return Assertion(FIGURE, "", first("figure"))
    return Assertion(OTHER, "", None)


# --- a statement and attribution to start from -------------------------------------------


@dataclass(frozen=True)
class Proposal:
    statement: str
    attribution: str


def proposal(text: str, language: str) -> Proposal:
    """The sentence without its reporting frame, and who it names as saying it.

    "The official said Hamas is not demanding to remain in power." gives
    "Hamas is not demanding to remain in power." and "The official" — a start
    for the editor's own words, never saved without them. A pronoun ("he
    said") names nobody: the attribution is left for the editor.
    """
    lang = language_key(language)
    text = text.strip()
    statement, who = text, ""
    for frame in attributions(text, language):
        if frame.accusing:
            continue  # "X accused Y of …" keeps its frame: the accusation is the claim
        who = frame.who
        before, after = text[: frame.start].rstrip(), text[frame.end :].lstrip()
        if not after:
            statement = before.rstrip(",;") + "."
        elif before.endswith((",", ";")):
            statement = before + " " + after
        else:
            statement = (before + " " + after).strip()
        break
    statement = statement.strip()
    if statement and lang != "ar":
        statement = statement[0].upper() + statement[1:]
        if statement[-1] not in '.!?"”’':
            statement += "."
    who = who.strip().rstrip(",")
    if lang != "ar" and _EN_PRONOUN_SPEAKER.match(who):
        who = ""
    return Proposal(statement=statement or text, attribution=who[:500])


# --- names -----------------------------------------------------------------------------------


def is_acronym(form: str) -> bool:
    """Short or all-capital names ("US", "UN", "IDF") must match exactly, case and all."""
    letters = form.replace(".", "")
    return len(letters) <= 3 or (letters.isupper() and len(letters) <= 5)


def acronym_pattern(form: str) -> re.Pattern:
    letters = form.replace(".", "")
    dotted = r"\.?".join(re.escape(ch) for ch in letters) + r"\.?" if letters.isalpha() else ""
    alternatives = [re.escape(form)] + ([dotted] if dotted else [])
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:[-'’]\w+)*")


def tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


# Endings that make a word from a name: Israeli, Egyptian, Qatari, Lebanese, Hamas's.
DERIVED_ENDINGS = ("", "i", "is", "n", "an", "ian", "ians", "ns", "ese", "ish", "'s", "’s", "s")


def derived(word: str, name: str) -> bool:
    """Whether `word` is the name or a word made from it ("Israeli"), not a misspelling.

    A doubled last letter is a misspelling, not an ending: "Hamass".
    """
    a, b = word.lower(), name.lower()
    if not a.startswith(b):
        return False
    ending = a[len(b) :]
    return ending in DERIVED_ENDINGS and not (len(ending) == 1 and ending == b[-1])


def typo_of(word: str, name: str) -> bool:
    """Whether `word` is `name` with one letter transposed, doubled, added or dropped.

    Only names of five letters or more, and never a different letter in the
    same place: "Isreal", "Egpyt", "Quatar", "Hamass" are Israel, Egypt,
    Qatar, Hamas; "Hamad" is not Hamas.
    """
    a, b = word.lower(), name.lower()
    if derived(word, name) or min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False  # the name itself, or a word made from it ("Israeli", "Qatari")
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
