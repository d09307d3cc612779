"""The one home of the tests' data: row factories and the named worlds built from them.

Factories (`make_*`) write one row (and what it cannot exist without) straight with the
ORM, filling what a test does not care about. Worlds are scenarios built from them:

- `build_world()`: a small deal told like the demo one (the `world` fixture of
  tests/desk/conftest.py); everything a public visitor must not see says SECRET or DRAFT.
- `build_many_rows()`: a big deal for query-bound tests (the `many_rows` fixture).
- `build_lists_world()` and `bulk_claims()`: every filter of the claims list, search and
  exports, and many rows for paging.

The URL-walk world (tests/trust/world.py) and the page checks' world (tests/checks/pages.py)
fill every displayed field from a function and stay beside the tests that need that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

from django.utils import timezone

from dealtracker.claims.models import Claim, Evidence, VerificationChange
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.sources.models import Passage, Source, SourceRevision

# The sample report of `build_world()` and the default text of `make_source()`.
REPORT = (
    "Hamas is prepared to release all remaining Israeli hostages immediately if Israel "
    "agrees to end its military campaign in Gaza, a senior Palestinian official said.\n\n"
    "The second phase of the agreement, scheduled to begin on March 2, was supposed to "
    "bring a complete halt to hostilities and a full Israeli withdrawal from Gaza. However, "
    "the official accused Israel of refusing to honor that part of the deal.\n\n"
    "Israeli officials said all withdrawals due so far had been carried out on time.\n\n"
    "Gabe Witkoff, the US envoy, said talks would continue."
)


# --- rows ---


def make_source(
    text: str = REPORT, *, title: str = "Hamas offers to free all hostages", **fields
) -> Source:
    """A source with its first revision; `fields` are any other Source fields (language, url…)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    fields.setdefault("outlet", "The Times of Israel")
    fields.setdefault("published_on", dt.date(2025, 3, 10))
    source = Source.objects.create(title=title, text=text, text_hash=digest, **fields)
    SourceRevision.objects.create(source=source, number=1, text=text, text_hash=digest)
    return source


def make_passage(source: Source, quote: str, *, note: str = "") -> Passage:
    revision = source.revisions.get(number=1)
    start = source.text.index(quote)
    end = start + len(quote)
    return Passage.objects.create(
        source=source,
        start=start,
        end=end,
        quote=quote,
        prefix=source.text[max(0, start - 32) : start],
        suffix=source.text[end : end + 32],
        revision_made=revision,
        revision_anchored=revision,
        note=note,
    )


def make_claim(
    statement: str = "Israel refused to honour phase two",
    *,
    subjects=(),
    passages=(),
    evidence_note: str = "",
    **fields,
) -> Claim:
    """A published claim (unless is_published=False) with its subjects and evidence."""
    fields.setdefault("is_published", True)
    if fields["is_published"]:
        fields.setdefault("published_at", timezone.now())
    if "compliance" in fields:
        fields.setdefault("kind", Claim.Kind.COMPLIANCE)
    # As the claims service does: a claim on a clause or phase belongs to its deal.
    for key in ("clause", "phase"):
        if fields.get(key) is not None:
            fields.setdefault("deal", fields[key].deal)
    claim = Claim.objects.create(statement=statement, **fields)
    claim.subjects.set(subjects)
    for passage in passages:
        Evidence.objects.create(claim=claim, passage=passage, note=evidence_note)
    return claim


def make_draft_claim(statement: str = "Israel refused to honour phase two", **fields) -> Claim:
    """A claim as an editor first saves it: not published."""
    return make_claim(statement, is_published=False, **fields)


def make_deal(slug: str = "gaza-2025") -> Deal:
    return Deal.objects.create(title=f"Deal {slug}", slug=slug)


def make_party(slug: str = "israel", name: str = "Israel") -> Party:
    return Party.objects.create(name=name, slug=slug)


def make_phase(deal: Deal, order: int = 1) -> Phase:
    return Phase.objects.create(deal=deal, order=order, name=f"Phase {order}")


def make_clause(deal: Deal, reference: str = "2.1") -> Clause:
    return Clause.objects.create(deal=deal, reference=reference, title="Permanent ceasefire")


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


# --- worlds ---


def build_world() -> SimpleNamespace:
    israel = Party.objects.create(name="Israel", slug="israel", kind=Party.Kind.STATE)
    hamas = Party.objects.create(name="Hamas", slug="hamas", kind=Party.Kind.ARMED_GROUP)
    egypt = Party.objects.create(name="Egypt", slug="egypt", kind=Party.Kind.STATE)
    official = Party.objects.create(
        name="Palestinian negotiators", slug="palestinian-negotiators", kind=Party.Kind.OTHER
    )
    deal = Deal.objects.create(
        title="Test ceasefire and hostage deal",
        slug="test-deal",
        status=Deal.Status.IN_FORCE,
        date_agreed=dt.date(2025, 1, 15),
        summary="A three-phase ceasefire.",
        editor_note="SECRET editor note about the deal",
    )
    DealParty.objects.create(deal=deal, party=israel, role=DealParty.Role.SIGNATORY)
    DealParty.objects.create(deal=deal, party=hamas, role=DealParty.Role.SIGNATORY)
    DealParty.objects.create(deal=deal, party=egypt, role=DealParty.Role.MEDIATOR)
    phase1 = Phase.objects.create(
        deal=deal,
        order=1,
        name="First truce",
        status=Phase.Status.COMPLETED,
        planned_start=dt.date(2025, 1, 19),
        planned_end=dt.date(2025, 3, 1),
        actual_start=dt.date(2025, 1, 19),
        actual_end=dt.date(2025, 3, 1),
    )
    phase2 = Phase.objects.create(
        deal=deal,
        order=2,
        name="Permanent ceasefire",
        status=Phase.Status.STALLED,
        planned_start=dt.date(2025, 3, 2),
        planned_end=dt.date(2025, 4, 12),
    )
    hostages = Clause.objects.create(
        deal=deal,
        phase=phase1,
        reference="1.1",
        position=1,
        title="Release of hostages",
        text="Hamas releases 33 hostages; Israel releases prisoners.",
        category=Clause.Category.HOSTAGES_PRISONERS,
    )
    hostages.obliged_parties.set([israel, hamas])
    withdrawal = Clause.objects.create(
        deal=deal,
        phase=phase2,
        reference="2.1",
        position=2,
        title="Full withdrawal",
        text="Israel withdraws its forces from Gaza.",
        category=Clause.Category.WITHDRAWAL,
    )
    withdrawal.obliged_parties.set([israel])
    monitoring = Clause.objects.create(
        deal=deal,
        reference="0.1",
        position=0,
        title="Mediators monitor",
        category=Clause.Category.MONITORING,
    )
    monitoring.obliged_parties.set([egypt])

    source = make_source()
    p_refuse = make_passage(
        source,
        "the official accused Israel of refusing to honor that part of the deal",
        note="SECRET passage note",
    )
    p_done = make_passage(
        source, "Israeli officials said all withdrawals due so far had been carried out on time"
    )
    p_witkoff = make_passage(source, "Gabe Witkoff, the US envoy")

    accused = make_claim(
        statement="Israel refused to honour phase two",
        claimant=official,
        attribution="a senior Palestinian official",
        deal=deal,
        clause=withdrawal,
        compliance=Claim.Compliance.NOT_COMPLIED,
        made_on=dt.date(2025, 3, 10),
        subjects=[israel],
        passages=[p_refuse],
        evidence_note="SECRET evidence note",
    )
    denied = make_claim(
        statement="Israel has carried out every withdrawal due",
        claimant=israel,
        deal=deal,
        clause=withdrawal,
        compliance=Claim.Compliance.COMPLIED,
        made_on=dt.date(2025, 3, 11),
        subjects=[israel],
        passages=[p_done],
    )
    refuted = make_claim(
        statement="Both sides completed the hostage exchange early",
        attribution="an anonymous blogger",
        clause=hostages,
        compliance=Claim.Compliance.COMPLIED,
        verification=Claim.Verification.REFUTED,
        made_on=dt.date(2025, 2, 1),
        subjects=[israel, hamas],
        passages=[p_witkoff],
    )
    draft = make_claim(
        statement="DRAFT claim Hamas delayed a release",
        attribution="an Israeli official",
        clause=hostages,
        compliance=Claim.Compliance.PARTLY,
        made_on=dt.date(2025, 2, 15),
        subjects=[hamas],
        is_published=False,
        passages=[p_refuse],
    )
    return SimpleNamespace(
        deal=deal,
        israel=israel,
        hamas=hamas,
        egypt=egypt,
        official=official,
        phase1=phase1,
        phase2=phase2,
        hostages=hostages,
        withdrawal=withdrawal,
        monitoring=monitoring,
        source=source,
        p_refuse=p_refuse,
        p_done=p_done,
        p_witkoff=p_witkoff,
        accused=accused,
        denied=denied,
        refuted=refuted,
        draft=draft,
    )


def build_many_rows() -> SimpleNamespace:
    """A big deal: 30 clauses x 10 obliged parties, 300 claims with subjects and evidence."""
    parties = Party.objects.bulk_create(
        [
            Party(name=f"Party {i:02}", slug=f"party-{i:02}", kind=Party.Kind.STATE)
            for i in range(10)
        ]
    )
    deal = Deal.objects.create(title="Big deal", slug="big-deal", status=Deal.Status.IN_FORCE)
    others = Deal.objects.bulk_create(
        [
            Deal(title=f"Other deal {i:02}", slug=f"other-{i:02}", answers=deal if i == 0 else None)
            for i in range(15)
        ]
    )
    DealParty.objects.bulk_create(
        [DealParty(deal=deal, party=p) for p in parties]
        + [DealParty(deal=d, party=p) for d in others for p in parties[:3]]
    )
    phases = Phase.objects.bulk_create(
        [
            Phase(
                deal=deal,
                order=i + 1,
                name=f"Phase {i + 1}",
                status=Phase.Status.ACTIVE if i == 1 else Phase.Status.SCHEDULED,
                planned_start=dt.date(2025, 1 + 3 * i, 1),
                planned_end=dt.date(2025, 3 + 3 * i, 28),
                actual_start=dt.date(2025, 1 + 3 * i, 5) if i < 2 else None,
            )
            for i in range(3)
        ]
        + [Phase(deal=d, order=1, name="Only phase") for d in others]
    )
    clauses = Clause.objects.bulk_create(
        [
            Clause(
                deal=deal,
                phase=phases[i % 3],
                reference=f"{i % 3 + 1}.{i}",
                position=i,
                title=f"Term {i}",
                text=f"The parties shall do thing number {i}.",
            )
            for i in range(30)
        ]
        + [
            Clause(deal=d, reference="1.1", title="Term", text="The parties shall do thing 1.")
            for d in others
        ]
    )
    through = Clause.obliged_parties.through
    through.objects.bulk_create(
        [through(clause=c, party=p) for c in clauses[:30] for p in parties]
        + [through(clause=c, party=p) for c in clauses[30:] for p in parties[:2]]
    )
    text = " ".join(f"Sentence number {i} says something about the deal." for i in range(400))
    source = make_source(text, title="Long report")
    revision = source.revisions.get(number=1)
    passages = []
    for i in range(300):
        quote = f"Sentence number {i} says something"
        start = text.index(quote + " ")
        passages.append(
            Passage(
                source=source,
                start=start,
                end=start + len(quote),
                quote=quote,
                revision_made=revision,
                revision_anchored=revision,
            )
        )
    passages = Passage.objects.bulk_create(passages)
    compliances = list(Claim.Compliance.values)
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        [
            Claim(
                statement=f"Claim {i}",
                claimant=parties[(i + 1) % 10],
                deal=deal,
                clause=clauses[i % 30],
                kind=Claim.Kind.COMPLIANCE,
                compliance=compliances[i % len(compliances)],
                made_on=dt.date(2025, 1, 1) + dt.timedelta(days=i % 200),
                is_published=i % 7 != 0,
                published_at=now if i % 7 != 0 else None,
                verification=Claim.Verification.REFUTED if i % 11 == 0 else "unverified",
            )
            for i in range(300)
        ]
    )
    subjects = Claim.subjects.through
    subjects.objects.bulk_create(
        [subjects(claim=c, party=parties[i % 10]) for i, c in enumerate(claims)]
        + [subjects(claim=c, party=parties[(i + 3) % 10]) for i, c in enumerate(claims)]
    )
    Evidence.objects.bulk_create(
        [Evidence(claim=c, passage=passages[i]) for i, c in enumerate(claims)]
        + [Evidence(claim=c, passage=passages[(i + 1) % 300]) for i, c in enumerate(claims)]
    )
    return SimpleNamespace(
        deal=deal,
        other_deals=others,
        parties=parties,
        phases=phases[:3],
        clauses=clauses[:30],
        claims=claims,
        source=source,
        passages=passages,
    )


# The report of `build_lists_world()`.
LISTS_REPORT = (
    "Hamas is prepared to release all remaining Israeli hostages immediately if Israel "
    "agrees to end its military campaign in Gaza, a senior Palestinian official said.\n\n"
    "The second phase of the agreement, scheduled to begin on March 2, was supposed to "
    "bring a complete halt to hostilities and a full Israeli withdrawal from Gaza. However, "
    "the official accused Israel of refusing to honor that part of the deal.\n\n"
    "More than 50,000 Palestinians have died, according to local health authorities.\n\n"
    "Trucks carrying aid crossed the Netzarim corridor, officials said."
)


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
    source = make_source(LISTS_REPORT)
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
