"""Test data for the claims list, search, exports and annotations.

`build_lists_world()` makes two deals, five parties with aliases, one source
with passages and a handful of claims covering every filter. Everything public
visitors must not see contains DRAFT or SECRET. `bulk_claims()` adds many rows
with bulk_create for query-bound and paging tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

from django.utils import timezone

from dealtracker.claims.models import Claim, Evidence, VerificationChange
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.sources.models import Source, SourceRevision
from tests.desk.conftest import make_passage

REPORT = (
    "Hamas is prepared to release all remaining Israeli hostages immediately if Israel "
    "agrees to end its military campaign in Gaza, a senior Palestinian official said.\n\n"
    "The second phase of the agreement, scheduled to begin on March 2, was supposed to "
    "bring a complete halt to hostilities and a full Israeli withdrawal from Gaza. However, "
    "the official accused Israel of refusing to honor that part of the deal.\n\n"
    "More than 50,000 Palestinians have died, according to local health authorities.\n\n"
    "Trucks carrying aid crossed the Netzarim corridor, officials said."
)


def make_source(text: str = REPORT, *, title: str = "Hamas offers to free all hostages", **kw):
    digest = hashlib.sha256(text.encode()).hexdigest()
    kw.setdefault("outlet", "The Times of Israel")
    kw.setdefault("published_on", dt.date(2025, 3, 10))
    source = Source.objects.create(title=title, text=text, text_hash=digest, **kw)
    SourceRevision.objects.create(source=source, number=1, text=text, text_hash=digest)
    return source


def make_claim(*, subjects=(), passages=(), evidence_note: str = "", **fields) -> Claim:
    fields.setdefault("is_published", True)
    if fields["is_published"]:
        fields.setdefault("published_at", timezone.now())
    if "compliance" in fields:
        fields.setdefault("kind", Claim.Kind.COMPLIANCE)
    claim = Claim.objects.create(**fields)
    claim.subjects.set(subjects)
    for passage in passages:
        Evidence.objects.create(claim=claim, passage=passage, note=evidence_note)
    return claim


def build_lists_world() -> SimpleNamespace:
    israel = Party.objects.create(
        name="Israel", slug="israel", kind="state", aliases=["IDF", "Israeli government"]
    )
    hamas = Party.objects.create(
        name="Hamas", slug="hamas", kind="armed_group", aliases=["Islamic Resistance Movement"]
    )
    egypt = Party.objects.create(name="Egypt", slug="egypt", kind="mediator")
    qatar = Party.objects.create(name="Qatar", slug="qatar", kind="mediator")
    usa = Party.objects.create(
        name="United States", short_name="US", slug="united-states", kind="state"
    )
    deal = Deal.objects.create(
        title="Gaza ceasefire and hostage deal",
        slug="gaza-ceasefire-2025",
        status="in_force",
        date_agreed=dt.date(2025, 1, 15),
        editor_note="SECRET deal note",
    )
    for party, role in [(israel, "signatory"), (hamas, "signatory"), (egypt, "mediator")]:
        DealParty.objects.create(deal=deal, party=party, role=role)
    other = Deal.objects.create(
        title="Egypt–Qatar proposal", slug="egypt-qatar-proposal", answers=deal
    )
    phase1 = Phase.objects.create(
        deal=deal, order=1, name="First phase", planned_start=dt.date(2025, 1, 19)
    )
    phase2 = Phase.objects.create(
        deal=deal, order=2, name="Second phase", planned_start=dt.date(2025, 3, 2)
    )
    hostages = Clause.objects.create(
        deal=deal,
        phase=phase1,
        reference="1.1",
        position=1,
        title="Hostage release",
        text="Hamas releases hostages in stages.",
        category="hostages_prisoners",
    )
    withdrawal = Clause.objects.create(
        deal=deal,
        phase=phase2,
        reference="2.1",
        position=2,
        title="Full withdrawal",
        text="Israel withdraws its forces from Gaza entirely.",
        category="withdrawal",
    )
    hostages.obliged_parties.set([hamas])
    withdrawal.obliged_parties.set([israel])
    source = make_source()
    p_refuse = make_passage(
        source,
        "the official accused Israel of refusing to honor that part of the deal",
        note="SECRET passage note",
    )
    p_release = make_passage(source, "Hamas is prepared to release all remaining Israeli hostages")
    p_died = make_passage(source, "More than 50,000 Palestinians have died")
    p_aid = make_passage(source, "Trucks carrying aid crossed the Netzarim corridor")

    refused = make_claim(
        statement="Israel refused to honour phase two of the deal",
        claimant=hamas,
        attribution="a senior Palestinian official",
        subjects=[israel],
        deal=deal,
        clause=withdrawal,
        compliance="not_complied",
        verification="disputed",
        made_on=dt.date(2025, 3, 2),
        passages=[p_refuse],
        evidence_note="SECRET evidence note",
    )
    VerificationChange.objects.create(
        claim=refused,
        from_status="unverified",
        to_status="disputed",
        note="SECRET verification note",
    )
    complied = make_claim(
        statement="Israel carried out every withdrawal due so far",
        claimant=israel,
        subjects=[israel],
        deal=deal,
        clause=hostages,
        compliance="complied",
        verification="unverified",
        made_on=dt.date(2025, 2, 1),
        made_on_precision="early",
    )
    offer = make_claim(
        statement="Hamas will release all hostages if Israel ends the war and withdraws",
        claimant=hamas,
        subjects=[hamas, israel],
        deal=deal,
        phase=phase2,
        kind="offer",
        verification="corroborated",
        made_on=dt.date(2025, 3, 10),
        passages=[p_release],
    )
    figure = make_claim(
        statement="More than 50,000 Palestinians have died in the war",
        attribution="local health authorities",
        kind="figure",
        made_on=dt.date(2025, 3, 15),
        passages=[p_died],
    )
    aid = make_claim(
        statement="Aid trucks crossed the Netzarim corridor",
        subjects=[israel],
        deal=deal,
        kind="other",
        made_on=None,
        passages=[p_aid],
    )
    draft = make_claim(
        statement="DRAFT Egypt demands a new truce",
        claimant=egypt,
        subjects=[egypt, qatar],
        deal=other,
        kind="demand",
        made_on=dt.date(2025, 4, 1),
        is_published=False,
        passages=[p_aid],
    )
    return SimpleNamespace(
        israel=israel,
        hamas=hamas,
        egypt=egypt,
        qatar=qatar,
        usa=usa,
        deal=deal,
        other=other,
        phase1=phase1,
        phase2=phase2,
        hostages=hostages,
        withdrawal=withdrawal,
        source=source,
        p_refuse=p_refuse,
        p_release=p_release,
        p_died=p_died,
        p_aid=p_aid,
        refused=refused,
        complied=complied,
        offer=offer,
        figure=figure,
        aid=aid,
        draft=draft,
    )


def bulk_claims(
    n: int,
    *,
    deal: Deal | None = None,
    subjects=(),
    passages=(),
    start: dt.date = dt.date(2024, 1, 1),
    statement: str = "Bulk claim number {i} about the ceasefire",
    published: bool = True,
) -> list[Claim]:
    """n published claims, one per day from `start`, with subjects and evidence, in bulk."""
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        [
            Claim(
                statement=statement.format(i=i),
                deal=deal,
                kind="other",
                made_on=start + dt.timedelta(days=i),
                is_published=published,
                published_at=now if published else None,
            )
            for i in range(n)
        ]
    )
    through = Claim.subjects.through
    through.objects.bulk_create(
        [through(claim_id=c.pk, party_id=p.pk) for c in claims for p in subjects]
    )
    Evidence.objects.bulk_create([Evidence(claim=c, passage=p) for c in claims for p in passages])
    return claims
