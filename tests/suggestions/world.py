"""A small world of our own (not the demo): a fictional truce, its parties and terms.

Built to check the mechanism on text the rules were not written for: party
names, short names, aliases, acronyms and misspellings; compliance verbs,
negation, figures; an Arabic report against an Arabic deal.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase


def make_clause(deal, phase, reference, title, text, category, obliged, language="en"):
    clause = Clause.objects.create(
        deal=deal,
        phase=phase,
        reference=reference,
        position=len(reference),
        title=title,
        text=text,
        category=category,
        language=language,
    )
    clause.obliged_parties.set(obliged)
    return clause


@pytest.fixture
def truce(db):
    arvenia = Party.objects.create(
        name="Republic of Arvenia",
        short_name="Arvenia",
        slug="arvenia",
        kind=Party.Kind.STATE,
        aliases=["Arvenian government"],
    )
    front = Party.objects.create(
        name="Liberation Front",
        short_name="NLF",
        slug="front",
        kind=Party.Kind.ARMED_GROUP,
        aliases=["Northern Liberation Front"],
    )
    meridia = Party.objects.create(
        name="Meridia", slug="meridia", kind=Party.Kind.MEDIATOR, aliases=["Kingdom of Meridia"]
    )
    deal = Deal.objects.create(title="Varn valley truce", slug="varn-truce")
    for party, role in ((arvenia, "signatory"), (front, "signatory"), (meridia, "mediator")):
        DealParty.objects.create(deal=deal, party=party, role=role)
    one = Phase.objects.create(deal=deal, order=1, name="Exchanges and aid")
    two = Phase.objects.create(deal=deal, order=2, name="Withdrawal and disarmament")
    clauses = SimpleNamespace(
        exchange=make_clause(
            deal,
            one,
            "1.1",
            "Exchange of detainees",
            "The Front frees 20 detainees; Arvenia frees 200 prisoners.",
            "hostages_prisoners",
            [arvenia, front],
        ),
        crossing=make_clause(
            deal,
            one,
            "1.2",
            "Opening of the Kessel crossing",
            "Arvenia opens the Kessel crossing to aid convoys.",
            "humanitarian",
            [arvenia],
        ),
        withdrawal=make_clause(
            deal,
            two,
            "2.1",
            "Withdrawal from the Varn valley",
            "Arvenian forces withdraw from the Varn valley.",
            "withdrawal",
            [arvenia],
        ),
        weapons=make_clause(
            deal,
            two,
            "2.2",
            "Heavy weapons handed over",
            "Front units hand over their heavy weapons.",
            "security",
            [front],
        ),
    )
    # Another deal of the same parties, to guess between.
    other = Deal.objects.create(title="Coastal fishing accord", slug="fishing")
    DealParty.objects.create(deal=other, party=arvenia, role="signatory")
    make_clause(
        other,
        None,
        "1",
        "Fishing zones",
        "Boats of Arvenia fish within six miles.",
        "other",
        [arvenia],
    )
    return SimpleNamespace(
        deal=deal,
        other=other,
        arvenia=arvenia,
        front=front,
        meridia=meridia,
        clauses=clauses,
        phases=SimpleNamespace(one=one, two=two),
    )


@pytest.fixture
def arabic_truce(db):
    israel = Party.objects.create(name="Israel", slug="israel", aliases=["إسرائيل"])
    hamas = Party.objects.create(name="Hamas", slug="hamas", aliases=["حماس"])
    deal = Deal.objects.create(title="اتفاق وقف إطلاق النار", slug="ar-deal", language="ar")
    DealParty.objects.create(deal=deal, party=israel, role="signatory")
    DealParty.objects.create(deal=deal, party=hamas, role="signatory")
    phase = Phase.objects.create(deal=deal, order=2, name="المرحلة الثانية")
    netzarim = make_clause(
        deal,
        phase,
        "2.1",
        "الانسحاب من ممر نتساريم",
        "تنسحب القوات الإسرائيلية من ممر نتساريم.",
        "withdrawal",
        [israel],
        language="ar",
    )
    hostages = make_clause(
        deal,
        phase,
        "2.2",
        "الإفراج عن الرهائن",
        "تفرج حماس عن جميع الرهائن المتبقين.",
        "hostages_prisoners",
        [hamas],
        language="ar",
    )
    return SimpleNamespace(
        deal=deal, israel=israel, hamas=hamas, netzarim=netzarim, hostages=hostages
    )
