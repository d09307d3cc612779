"""Suggested passages: the sentences of a text worth making claims from, ranked.

suggest() reads a text (nothing is written) and returns its candidate
sentences, best first, each with the deal, clause, phase, parties, claim kind
and compliance it guessed and the reasons, in words, for the editor. The
README's "Suggestions" section explains the ranking; the numbers below are
its weights.

A sentence is suggested when it names a party of a deal and a clause's
subject, or when it asserts compliance (done, partly done, not done) or a
figure, or when it names a party and carries an offer or a demand.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from dealtracker.deals.models import DealParty, Party, Phase

from . import matching, rules
from .sentences import Sentence, split_sentences

# --- the weights of the ranking (README, "Suggestions") ---
# A clause is guessed when the sentence's words match it by at least this much
# (the sum of each shared word's weight × its rarity among the deals' clauses).
CLAUSE_MIN = 2.0
# A word in a condition counts this much of a word in the main statement.
CONDITION_WEIGHT = 0.4
# Words just after the verb that decides the claim ("refused to honour the …",
# "released 33 hostages") name what it is about: they count this much more.
FOCUS_WEIGHT, FOCUS_CHARS = 1.5, 60
# Clauses of the phase the sentence names, and of other phases.
SAME_PHASE, OTHER_PHASE = 1.3, 0.7
# Clauses of the deal the sentence before (same paragraph) was about, and of a
# deal the source's claims already belong to.
SAME_DEAL_AS_BEFORE, PRIOR_DEAL = 1.15, 1.1
# A party named in the sentence that the clause obliges.
OBLIGED_BONUS = 0.25
# Points of the rank score.
POINTS_CLAUSE_MAX = 3.0  # 1.5 per CLAUSE_MIN matched, up to twice CLAUSE_MIN
POINTS_PARTY = 1.0  # per party named in the statement (half in an attribution), at most 2
POINTS_PARTY_MAX = 2.0
POINTS_CUE = {
    "not_complied": 2.5,
    "complied": 2.0,
    "partly": 2.0,
    "deadline": 1.0,
    "offer": 1.0,
    "demand": 1.0,
    "figure": 1.5,
}
POINTS_PHASE = 0.5
POINTS_ATTRIBUTED = 0.5  # the sentence says who says it: a claim, not narration
# Trigram word similarity from which a name counts as written in a sentence.
NAME_SIMILARITY = 0.7
# Suggestions kept per text.
MAX_SUGGESTIONS = 300
# A "sentence" longer than this (a paragraph without stops) is not read: no one
# marks it whole, and the rules' patterns should not run over pages of text.
MAX_SENTENCE_CHARS = 1000

COMPLIANCE_WORDS = {
    rules.COMPLIED: "complied",
    rules.PARTLY: "partly complied",
    rules.NOT_COMPLIED: "not complied",
    rules.NOT_YET_DUE: "not yet due",
    rules.UNCLEAR: "unclear",
}
CUE_WORDS = {
    "not_complied": "not complied",
    "complied": "complied",
    "partly": "partly complied",
    "deadline": "a deadline",
    "offer": "an offer or position",
    "demand": "a demand",
    "figure": "a figure",
}


@dataclass
class PartyGuess:
    party_id: int
    name: str
    written: str  # the words of the sentence that name it
    misspelt: bool
    role: str  # the segment it was found in (rules.MAIN, CONDITION, ATTRIBUTION)
    at: int  # offset in the sentence


@dataclass
class Candidate:
    start: int
    end: int
    sentence: str
    score: float = 0.0
    deal_id: int | None = None
    phase_id: int | None = None
    clause_id: int | None = None
    clause_score: float = 0.0
    parties: list[PartyGuess] = field(default_factory=list)  # about whom, best first
    claimant_id: int | None = None
    kind: str = rules.OTHER
    compliance: str = ""
    statement: str = ""
    attribution: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def party_ids(self) -> list[int]:
        return [p.party_id for p in self.parties]


@dataclass
class _Form:
    party_id: int
    text: str


@dataclass
class _World:
    """What the database said about the text: deals, clauses, parties, lexemes."""

    deal_rank: dict[int, int]
    prior: set[int]
    clauses: list[matching.ClauseTerms]
    index: dict[str, list[tuple[int, float]]]  # lexeme -> [(clause index, weight × idf)]
    parties: dict[int, Party]
    deals_of_party: dict[int, set[int]]
    phases: dict[tuple[int, int], int]  # (deal id, order) -> phase id
    lexemes: dict[str, set[str]]  # word -> lexemes (source language)
    generic: set[str]
    forms: list[_Form]  # the parties' names, short names and aliases matched by trigrams
    acronyms: list[tuple[Party, re.Pattern]]  # short names matched exactly ("US", "U.S.")
    single_words: dict[int, list[tuple[Party, str]]]  # one-word names by length, for slips
    named_forms: dict[int, set[int]]  # sentence index -> indexes into forms it names


def suggest(*, text: str, language: str, prior_deal_ids=()) -> list[Candidate]:
    """The text's suggested passages, best first (see the module docstring)."""
    sentences = [
        s
        for s in split_sentences(text)
        if len(s.text) <= MAX_SENTENCE_CHARS and re.search(r"\w", s.text)
    ]
    if not sentences:
        return []
    world = _load(sentences, language, set(prior_deal_ids))
    line_starts = [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    candidates: list[Candidate] = []
    before: Candidate | None = None
    before_line = -1
    last_speaker = ""
    for i, sentence in enumerate(sentences):
        line = bisect.bisect_right(line_starts, sentence.start)
        context = before if line == before_line else None
        forms = world.named_forms.get(i, set())
        candidate, speaker = _read_sentence(sentence, language, world, forms, context, last_speaker)
        last_speaker = speaker or last_speaker
        before, before_line = candidate, line
        if candidate.score > 0:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, c.start))
    return candidates[:MAX_SUGGESTIONS]


# --- loading ---------------------------------------------------------------------------


def _name_words(sentences: list[Sentence]) -> list[str]:
    """Words and runs of words that could be names: capitalised where the script has capitals."""
    words: dict[str, None] = {}
    for sentence in sentences:
        toks = [w for _, _, w in rules.tokens(sentence.text)]
        capital = [w[:1].isupper() or w[:1].lower() == w[:1].upper() for w in toks]
        for n in (1, 2, 3):
            for i in range(len(toks) - n + 1):
                if all(capital[i : i + n]) and not toks[i].isdigit():
                    run = " ".join(toks[i : i + n])
                    if len(run) >= 2:
                        words.setdefault(run, None)
    return list(words)[:3000]


def _load(sentences: list[Sentence], language: str, prior: set[int]) -> _World:
    lang = rules.language_key(language) or "en"
    # In the order they come: the deal-ranking query takes the first few hundred.
    words = list(dict.fromkeys(w for s in sentences for _, _, w in rules.tokens(s.text)))
    generic_words = rules.GENERIC_WORDS.get(lang, [])
    found = matching.lexemes(words + generic_words, [language])
    lexemes = {w: found.get((language, w), set()) for w in words}
    generic = set().union(*(found.get((language, w), set()) for w in generic_words))

    named = matching.party_ids_named(_name_words(sentences))
    query = matching.or_query_lexemes([lexemes[w] for w in words if lexemes[w] - generic])
    ranked = matching.candidate_deals(party_ids=named, prior_deal_ids=prior, query_lexemes=query)
    deal_ids = [deal_id for deal_id, _ in ranked]
    clauses = matching.clause_terms(deal_ids)

    # Clauses written in another language than the source are compared in theirs.
    other_languages = sorted({c.language for c in clauses if c.language != language})
    if other_languages:
        more = matching.lexemes(words, other_languages)
        for (_, word), found_lexemes in more.items():
            lexemes[word] = lexemes.get(word, set()) | found_lexemes

    frequency: dict[str, int] = {}
    for clause in clauses:
        for lexeme in clause.weights:
            frequency[lexeme] = frequency.get(lexeme, 0) + 1
    index: dict[str, list[tuple[int, float]]] = {}
    for i, clause in enumerate(clauses):
        for lexeme, weight in clause.weights.items():
            if lexeme in generic:
                continue
            idf = math.log(1 + len(clauses) / frequency[lexeme])
            index.setdefault(lexeme, []).append((i, weight * idf))

    memberships = list(
        DealParty.objects.filter(deal_id__in=deal_ids).values_list("deal_id", "party_id")
    )
    deals_of_party: dict[int, set[int]] = {}
    for deal_id, party_id in memberships:
        deals_of_party.setdefault(party_id, set()).add(deal_id)
    # Parties of the candidate deals only: a sentence is suggested for naming "a party of a deal".
    party_ids = set(deals_of_party)
    parties = {
        p.pk: p
        for p in Party.objects.filter(pk__in=party_ids).only("id", "name", "short_name", "aliases")
    }
    phases = {
        (deal_id, order): pk
        for pk, deal_id, order in Phase.objects.filter(deal_id__in=deal_ids).values_list(
            "id", "deal_id", "order"
        )
    }
    forms = [
        _Form(party.pk, form)
        for party in parties.values()
        for form in dict.fromkeys([party.name, party.short_name, *party.aliases])
        if form and form.strip() and not rules.is_acronym(form)
    ]
    named_forms: dict[int, set[int]] = {}
    similar = matching.name_similarities(
        [s.text for s in sentences], [f.text for f in forms], NAME_SIMILARITY
    )
    for i, j in similar:
        named_forms.setdefault(i, set()).add(j)
    acronyms: list[tuple[Party, re.Pattern[str]]] = []
    single_words: dict[int, list[tuple[Party, str]]] = {}
    for party in parties.values():
        for form in dict.fromkeys([party.name, party.short_name, *party.aliases]):
            if not form or not form.strip():
                continue
            if rules.is_acronym(form):
                acronyms.append((party, rules.acronym_pattern(form)))
            elif " " not in form.strip():
                single_words.setdefault(len(form), []).append((party, form))
    return _World(
        acronyms=acronyms,
        single_words=single_words,
        forms=forms,
        named_forms=named_forms,
        deal_rank={deal_id: i for i, deal_id in enumerate(deal_ids)},
        prior=prior,
        clauses=clauses,
        index=index,
        parties=parties,
        deals_of_party=deals_of_party,
        phases=phases,
        lexemes=lexemes,
        generic=generic,
    )


# --- one sentence ------------------------------------------------------------------------


def _read_sentence(
    sentence: Sentence,
    language: str,
    world: _World,
    forms: set[int],
    before: Candidate | None,
    last_speaker: str,
) -> tuple[Candidate, str]:
    text = sentence.text
    segs = rules.segments(text, language)
    reading = rules.read(text, language, segs)
    said = rules.assertion(reading)
    proposal = rules.proposal(text, language)
    frames = rules.attributions(text, language)
    candidate = Candidate(
        start=sentence.start,
        end=sentence.end,
        sentence=text,
        kind=said.kind,
        compliance=said.compliance,
        statement=proposal.statement,
        attribution=proposal.attribution,
    )
    speaker = proposal.attribution
    if frames and not speaker and last_speaker:
        # "The official said …", "he said …": the speaker named last.
        candidate.attribution = last_speaker

    named = _parties(text, segs, world, forms)
    in_frame = [g for g in named if g.role == rules.ATTRIBUTION]
    in_statement = [g for g in named if g.role != rules.ATTRIBUTION]
    # About whom: the parties of the statement itself; those only in a condition
    # ("if Israel withdraws") are the other side. Failing both, the speaker's.
    candidate.parties = (
        [g for g in in_statement if g.role == rules.MAIN] or in_statement or in_frame
    )
    reasons = [
        f"names {g.name} (as “{g.written}”)" if g.misspelt else f"names {g.name}" for g in named
    ]
    if not candidate.parties and before is not None and before.parties:
        statement = proposal.statement if frames else text
        if rules.refers_back(statement, language):
            # "He has also avoided …", "the group is open to …": the sentence before's subject.
            previous = before.parties[0]
            candidate.parties = [
                PartyGuess(previous.party_id, previous.name, "", False, rules.MAIN, -1)
            ]
            reasons.append(f"{previous.name}, as in the sentence before")
    if in_frame and frames and in_statement:
        candidate.claimant_id = in_frame[0].party_id
    # Names are matched as parties, the phase as a phase: neither as a clause's words.
    skip = [(g.at, g.at + len(g.written)) for g in named]
    if reading.phase_span:
        skip.append(reading.phase_span)
    focus = None
    if said.cue is not None and said.cue.kind != "figure":
        focus = (said.cue.start, said.cue.end + FOCUS_CHARS)
    clause_reason = _guess_clause(candidate, text, segs, reading, world, before, skip, focus)
    if clause_reason:
        reasons.append(clause_reason)

    # The score, and the reasons, in the order the README gives them.
    points = 0.0
    if candidate.clause_id is not None:
        points += min(candidate.clause_score / CLAUSE_MIN, 2.0) * (POINTS_CLAUSE_MAX / 2)
    party_points = POINTS_PARTY * len(in_statement) + 0.5 * POINTS_PARTY * len(in_frame)
    points += min(party_points, POINTS_PARTY_MAX)
    candidate.reasons = reasons
    decisive = said.cue
    if decisive is not None:
        points += POINTS_CUE.get(decisive.kind, 0.0)
        label = (
            COMPLIANCE_WORDS.get(said.compliance)
            if said.kind == rules.COMPLIANCE
            else CUE_WORDS.get(decisive.kind)
        )
        candidate.reasons.append(f"“{decisive.words}”: {label}")
    for figure in reading.figures:
        if decisive is None or figure != decisive.words:
            candidate.reasons.append(f"figure: {figure}")
    if reading.phase_order:
        points += POINTS_PHASE
        candidate.reasons.append(f"refers to {reading.phase_words}")
    if frames:
        points += POINTS_ATTRIBUTED

    asserted = {said.cue.kind} if said.cue is not None else set()
    eligible = (
        (candidate.clause_id is not None and (named or asserted))
        or asserted & {"not_complied", "complied", "partly", "deadline", "figure"}
        or (named and asserted & {"offer", "demand"})
    )
    candidate.score = round(points, 3) if eligible else 0.0
    return candidate, speaker


def _parties(
    text: str, segs: list[rules.Segment], world: _World, forms: set[int]
) -> list[PartyGuess]:
    """The parties the sentence names, in the order it names them.

    Exactly for short names and acronyms ("US", also spelt "U.S."); by trigram
    similarity for the others (the database found which forms are close
    enough; here is only where they stand); and a transposed, doubled or
    missing letter ("Isreal") counts too.
    """
    found: dict[int, PartyGuess] = {}
    toks = rules.tokens(text)
    rank = {rules.MAIN: 0, rules.CONDITION: 1, rules.ATTRIBUTION: 2}

    def note(party: Party, at: int, written: str, misspelt: bool) -> None:
        guess = PartyGuess(party.pk, party.name, written, misspelt, _role(segs, at), at)
        current = found.get(party.pk)
        # A mention in the statement wins over one in a condition or the attribution.
        if current is None or (rank[guess.role], at, misspelt) < (
            rank[current.role],
            current.at,
            current.misspelt,
        ):
            found[party.pk] = guess

    for party, pattern in world.acronyms:
        for match in pattern.finditer(text):
            note(party, match.start(), match.group(0), False)
    for start, _, word in toks:
        # A name is written with a capital where the script has them.
        if not (word[:1].isupper() or word[:1].lower() == word[:1].upper()):
            continue
        for length in (len(word) - 1, len(word), len(word) + 1):
            for party, single in world.single_words.get(length, ()):
                if rules.typo_of(word, single):
                    note(party, start, word, True)
    words = [w for _, _, w in toks]
    for j in forms:
        form = world.forms[j]
        if " " in form.text.strip() and not _every_word_written(form.text, words):
            continue  # "Popular Movement of Bantar" is not "Popular Movement of Danor"
        party = world.parties[form.party_id]
        at, written, exact = _best_span(text, toks, form.text)
        if at is not None:
            note(party, at, written, misspelt=not exact)
    return sorted(found.values(), key=lambda g: g.at)


def _guess_clause(
    candidate: Candidate,
    text: str,
    segs: list[rules.Segment],
    reading: rules.Reading,
    world: _World,
    before: Candidate | None,
    skip: list[tuple[int, int]],
    focus: tuple[int, int] | None,
) -> str:
    """Guess the clause whose words the sentence shares most (weighted), its deal and phase.

    Returns the reason to show ("shares words with clause …"), or "" when no clause is guessed.
    """
    main: dict[str, set[str]] = {}
    condition: dict[str, set[str]] = {}
    focused: set[str] = set()
    for start, end, word in rules.tokens(text):
        role = _role(segs, start)
        if role == rules.ATTRIBUTION or any(s <= start < e or s < end <= e for s, e in skip):
            continue
        for lexeme in world.lexemes.get(word, ()):
            # "50,000" is not the 50 of "50-day": a number counts only as a whole word.
            if lexeme in world.generic or (lexeme[:1].isdigit() and lexeme != word.lower()):
                continue
            (main if role == rules.MAIN else condition).setdefault(lexeme, set()).add(word)
            if focus and focus[0] <= start < focus[1] and role == rules.MAIN:
                focused.add(lexeme)
    scores: dict[int, float] = {}
    words: dict[int, set[str]] = {}
    shared: dict[int, int] = {}  # clause -> distinct shared words
    titled: set[int] = set()  # clauses sharing a word of their title
    for lexemes, factor in ((main, 1.0), (condition, CONDITION_WEIGHT)):
        for lexeme, written in lexemes.items():
            if factor < 1.0 and lexeme in main:
                continue
            boost = FOCUS_WEIGHT if lexeme in focused else 1.0
            for i, weight in world.index.get(lexeme, ()):
                scores[i] = scores.get(i, 0.0) + factor * boost * weight
                words.setdefault(i, set()).update(written)
                shared[i] = shared.get(i, 0) + 1
                if world.clauses[i].weights.get(lexeme) == matching.LABEL_WEIGHTS["A"]:
                    titled.add(i)
    subjects = set(candidate.party_ids)
    best: tuple[tuple, int, float] | None = None
    for i, lexical in scores.items():
        if lexical < CLAUSE_MIN or (i not in titled and shared[i] < 2):
            # Too few or too common shared words, or one word of its text only:
            # not this clause's subject.
            continue
        clause = world.clauses[i]
        score = lexical + (OBLIGED_BONUS if clause.obliged & subjects else 0.0)
        if reading.phase_order and clause.phase_order is not None:
            score *= SAME_PHASE if clause.phase_order == reading.phase_order else OTHER_PHASE
        if before is not None and before.deal_id == clause.deal_id:
            score *= SAME_DEAL_AS_BEFORE
        if clause.deal_id in world.prior:
            score *= PRIOR_DEAL
        key = (round(score, 6), -world.deal_rank.get(clause.deal_id, 99), -i)
        if best is None or key > best[0]:
            best = (key, i, score)
    if best is not None:
        clause = world.clauses[best[1]]
        candidate.clause_id, candidate.deal_id = clause.id, clause.deal_id
        candidate.phase_id, candidate.clause_score = clause.phase_id, scores[best[1]]
        shown = ", ".join(sorted(words[best[1]], key=lambda w: text.find(w)))
        return f"shares words with clause {clause.reference} “{clause.title}”: {shown}"
    # No clause: a deal of the named parties (one with the phase the sentence
    # names, if any), preferring the deal of the sentence before in the paragraph.
    deals = set(world.deal_rank)
    if subjects:
        deals = set().union(*(world.deals_of_party.get(p, set()) for p in subjects))
    if not subjects and not (before is not None and before.deal_id):
        return ""
    if reading.phase_order:
        deals = {d for d in deals if (d, reading.phase_order) in world.phases}

    def preference(deal_id: int) -> tuple:
        same = before is not None and before.deal_id == deal_id
        return (not same, world.deal_rank.get(deal_id, 99), deal_id)

    if deals:
        candidate.deal_id = min(deals, key=preference)
        if reading.phase_order:
            candidate.phase_id = world.phases.get((candidate.deal_id, reading.phase_order))
    return ""


# Words that say what kind of name it is, not whose.
NAME_FILLERS = {"of", "the", "and", "for", "de", "du", "la", "al", "el"}


def _every_word_written(form: str, words: list[str]) -> bool:
    """Whether each word of a name of several words is in the sentence (or a slip of it).

    Trigrams find "Liberation Fronte" for "Liberation Front", but also "Popular
    Movement of Danor" for "Popular Movement of Bantar": the shared words weigh
    too much. Here every word must be there, spelt right, made from it, or
    with a letter slipped.
    """
    lowered = [w.lower() for w in words]
    for part in rules.tokens(form):
        name_word = part[2]
        if name_word.lower() in NAME_FILLERS or len(name_word) < 3:
            continue
        if not any(
            w == name_word.lower() or rules.derived(w, name_word) or rules.typo_of(w, name_word)
            for w in lowered
        ):
            return False
    return True


def _best_span(text: str, toks, form: str) -> tuple[int | None, str, bool]:
    """Where the words most like `form` stand in the sentence, and whether they spell it.

    "Israeli" spells Israel (a derived word starts with the name); "Hamass" does not.
    """
    n = max(1, len(form.split()))
    target = form.lower()
    best: tuple[float, int | None, str] = (0.0, None, "")
    for i in range(len(toks) - n + 1):
        start, end = toks[i][0], toks[i + n - 1][1]
        words = text[start:end].lower()
        if rules.derived(words, target):
            return start, text[start:end], True
        if words[:1] != target[:1]:
            continue  # a misspelling keeps its first letter (and this keeps it cheap)
        matcher = SequenceMatcher(None, words, target)
        if matcher.quick_ratio() <= best[0]:
            continue
        ratio = matcher.ratio()
        if ratio > best[0]:
            best = (ratio, start, text[start:end])
    return best[1], best[2], False


def _role(segs: list[rules.Segment], at: int) -> str:
    for seg in segs:
        if seg.start <= at < seg.end:
            return seg.role
    return rules.MAIN
