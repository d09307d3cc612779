"""The plain rules: what a sentence asserts, who says it, which phase (pure, no database)."""

from __future__ import annotations

import pytest

from dealtracker.suggestions import rules


def said(text: str, language: str = "en") -> tuple[str, str]:
    result = rules.assertion(rules.read(text, language))
    return result.kind, result.compliance


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Phase two did not begin on March 2.", ("compliance", "not_complied")),
        ("Israel has yet to withdraw from the Netzarim corridor.", ("compliance", "not_complied")),
        ("Hamas failed to release the hostages on time.", ("compliance", "not_complied")),
        ("The army violated the ceasefire overnight.", ("compliance", "not_complied")),
        ("Israel refused to let aid trucks in.", ("compliance", "not_complied")),
        ("The military resumed air strikes in Rafah.", ("compliance", "not_complied")),
        ("Hamas released three hostages on Saturday.", ("compliance", "complied")),
        ("Israeli troops withdrew from the corridor.", ("compliance", "complied")),
        ("Only some of the prisoners were freed.", ("compliance", "partly")),
        ("Aid deliveries were partial.", ("compliance", "partly")),
        ("Phase two is due to begin on March 2.", ("compliance", "not_yet_due")),
        ("Hamas is ready to release all hostages if Israel withdraws.", ("offer", "")),
        ("Israel rejected the latest proposal.", ("offer", "")),
        ("Hamas demanded a full withdrawal.", ("demand", "")),
        ("Hamas would not disarm unless a state is established.", ("demand", "")),
        ("More than 50,000 Palestinians have died.", ("figure", "")),
        ("The talks took place in Cairo.", ("compliance", "complied")),
        ("The weather in Cairo was mild.", ("other", "")),
    ],
)
def test_english_cues_give_the_claim_kind_and_compliance(sentence, expected):
    assert said(sentence) == expected


def test_an_action_inside_a_condition_asserts_nothing_done():
    # "released" would say complied; inside "if …" it is the other side's condition.
    kind, _ = said("Hamas will free the rest if Israel released its prisoners first.")
    assert kind == "offer"


def test_negation_wins_over_the_action_it_negates():
    reading = rules.read("Israel did not withdraw and has not released anyone.", "en")
    kinds = [c.kind for c in reading.cues]
    assert "complied" not in kinds and kinds.count("not_complied") >= 2


def test_dates_and_years_are_not_figures_but_counts_are():
    assert rules.read("Talks begin on March 2, 2025.", "en").figures == []
    assert rules.read("Some 600 trucks entered Gaza.", "en").figures == ["600 trucks"]
    assert rules.read("Unemployment reached 80%.", "en").figures == ["80%"]


@pytest.mark.parametrize(
    ("sentence", "order"),
    [
        ("Phase two did not begin.", 2),
        ("The second phase stalled.", 2),
        ("In phase-one, 33 hostages were freed.", 1),
        ("Stage 3 is not scheduled.", 3),
        ("بدأت المرحلة الثانية أمس.", 2),
        ("The ceasefire holds.", None),
    ],
)
def test_phase_references(sentence, order):
    language = "ar" if sentence[0] > "\u0600" else "en"
    assert rules.read(sentence, language).phase_order == order


@pytest.mark.parametrize(
    ("sentence", "statement", "attribution"),
    [
        (
            "According to local health authorities, more than 50,000 Palestinians have died.",
            "More than 50,000 Palestinians have died.",
            "local health authorities",
        ),
        (
            "Israel withdrew from the corridor, a senior official told Reuters.",
            "Israel withdrew from the corridor.",
            "a senior official",
        ),
        (
            "The mediator said Hamas freed three hostages.",
            "Hamas freed three hostages.",
            "The mediator",
        ),
        # A pronoun names nobody: the editor (or the speaker named before) fills it in.
        ("He said the group is open to a truce.", "The group is open to a truce.", ""),
        # An accusation keeps its frame: that someone accuses is the claim.
        (
            "The official accused Israel of refusing to withdraw.",
            "The official accused Israel of refusing to withdraw.",
            "",
        ),
    ],
)
def test_the_statement_to_start_from_drops_the_reporting_frame(sentence, statement, attribution):
    proposal = rules.proposal(sentence, "en")
    assert (proposal.statement, proposal.attribution) == (statement, attribution)


def test_segments_tell_the_statement_from_its_condition_and_attribution():
    text = "Hamas will free everyone if Israel withdraws, the official said."
    roles = {text[s.start : s.end].strip(" ,."): s.role for s in rules.segments(text, "en")}
    assert roles["Hamas will free everyone"] == rules.MAIN
    assert roles["if Israel withdraws"] == rules.CONDITION
    assert roles["the official said"] == rules.ATTRIBUTION


@pytest.mark.parametrize(
    ("word", "name", "same"),
    [
        ("Isreal", "Israel", True),  # transposed
        ("Egpyt", "Egypt", True),
        ("Quatar", "Qatar", True),  # a letter too many
        ("Hamass", "Hamas", True),
        ("Isral", "Israel", True),  # a letter missing
        ("Hamad", "Hamas", False),  # another letter: another name
        ("Iran", "Iraq", False),  # too short to guess
        ("Israel", "Israel", False),  # not a misspelling at all
    ],
)
def test_misspelt_names(word, name, same):
    assert rules.typo_of(word, name) is same


def test_acronyms_match_exactly_with_or_without_dots_never_as_a_word():
    pattern = rules.acronym_pattern("US")
    assert pattern.search("citing past US negotiations")
    assert pattern.search("the U.S. envoy")
    assert not pattern.search("told us that")
    assert not pattern.search("USA")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("قال المسؤول إن إسرائيل لم تنسحب من ممر نتساريم.", ("compliance", "not_complied")),
        ("لم تبدأ المرحلة الثانية في موعدها.", ("compliance", "not_complied")),
        ("وأفرجت حماس عن ثلاث رهائن.", ("compliance", "complied")),
        ("اتهم الوسطاء إسرائيل بخرق الاتفاق.", ("compliance", "not_complied")),
        ("حماس مستعدة لإطلاق سراح جميع الرهائن.", ("offer", "")),
        ("قُتل أكثر من 200 فلسطيني.", ("figure", "")),
    ],
)
def test_arabic_cues(sentence, expected):
    assert said(sentence, "ar") == expected


def test_arabic_attribution_is_the_speaker_after_the_verb():
    proposal = rules.proposal("قال المسؤول إن إسرائيل لم تنسحب من ممر نتساريم.", "ar")
    assert proposal.attribution == "المسؤول"
    assert proposal.statement == "إسرائيل لم تنسحب من ممر نتساريم."


@pytest.mark.parametrize(
    ("word", "name", "made_from_it"),
    [
        ("Israeli", "Israel", True),
        ("Egyptian", "Egypt", True),
        ("Hamas’s", "Hamas", True),
        ("Hamass", "Hamas", False),  # a doubled last letter is a slip, not an ending
        ("Israelites", "Israel", False),
    ],
)
def test_words_made_from_a_name_are_not_misspellings(word, name, made_from_it):
    assert rules.derived(word, name) is made_from_it
