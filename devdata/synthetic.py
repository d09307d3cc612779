"""A large synthetic archive: deals, parties, clauses, sources, passages and claims.

`manage.py generate_archive --scale N` fills the database with realistic-looking
data so that the pages can be measured on a newsroom-sized archive (`make bench`).
At scale 1: about 200 deals, 2,000 parties, 20,000 clauses, 50,000 sources of a
few kilobytes, 250,000 passages and 200,000 claims with evidence.

- Deterministic: one seeded random generator, fixed timestamps, ids assigned from
  the tables' current maximum, so the same scale and seed give the same rows.
- Skewed like real archives: claims per deal follow a Zipf law (a few deals hold
  most claims), report lengths are log-normal (many short, some long reports),
  some sources are Arabic or French, some claims are drafts.
- Fast: every big table is loaded with COPY (psycopg 3) in one transaction; the
  search-vector triggers are left on so search stays exactly as the ORM would
  have written it (they cost part of the time; see `generate`'s timings).
- The demo deal and everything else already in the database is left untouched;
  generated sources live under SYNTHETIC_URL_PREFIX, which is also how a
  generated archive is recognised (`generated_source_count`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.text import slugify

from dealtracker.sources.canonical import text_hash
from dealtracker.sources.models import CONTEXT_CHARS

SYNTHETIC_URL_PREFIX = "https://archive.example.org/"
# One long report (about 50 KB, 500 passages) for the re-anchoring benchmark.
LONG_REPORT_URL = SYNTHETIC_URL_PREFIX + "long-report"
LONG_REPORT_CHARS = 50_000
LONG_REPORT_PASSAGES = 500

# Rows at scale 1, and the least generated at any scale.
FULL_SCALE = {
    "deals": 200,
    "parties": 2_000,
    "clauses": 20_000,
    "sources": 50_000,
    "passages": 250_000,
    "claims": 200_000,
}
MINIMUM = {"deals": 2, "parties": 12, "clauses": 8, "sources": 10, "passages": 20, "claims": 20}
# The least with --full-pages: more deals and parties than a page of any list or of the
# read API holds (50), so that a small archive shows the same full pages as a large one.
FULL_PAGES = {"deals": 60, "parties": 60}

BASE_TIME = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
FIRST_DAY = dt.date(2019, 1, 1)
DAYS = (dt.date(2025, 10, 31) - FIRST_DAY).days


def counts_for_scale(scale: float, *, full_pages: bool = False) -> dict[str, int]:
    """How many rows of each kind a scale asks for (the long report not included);
    full_pages: at least FULL_PAGES."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    least = {**MINIMUM, **FULL_PAGES} if full_pages else MINIMUM
    return {name: max(least[name], round(n * scale)) for name, n in FULL_SCALE.items()}


def generated_source_count() -> int:
    """Sources of a generated archive already in the database (0: none generated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sources_source WHERE url LIKE %s",
            [SYNTHETIC_URL_PREFIX + "%"],
        )
        return cursor.fetchone()[0]


def expected_source_count(scale: float) -> int:
    return counts_for_scale(scale)["sources"] + 1  # + the long report


# --- vocabulary ---------------------------------------------------------------

_SYLLABLES = (
    "al ban cor dan el fa gar hal ir jan kes lor mar nor os pal qar ros sal tar ul "
    "var wen yar zan bel cas dor ess fen gil har ith kol len mir nav ord pen rin sev tol"
).split()
_PLACE_SUFFIXES = ["", "a", "ia", "stan", "or", "is", "en"]
_GROUP_FORMS = [
    "{a} Liberation Front",
    "{a} People's Army",
    "{a} Defence Forces",
    "Popular Movement of {p}",
    "{a} National Council",
    "Brigades of {p}",
]
_BODY_FORMS = [
    "{p} Monitoring Mission",
    "Joint Commission for {p}",
    "{p} Relief Agency",
    "Regional Council of {p}",
]
_TERMS = [
    (
        "hostilities",
        "Cessation of hostilities",
        "All parties cease military operations in {place}.",
    ),
    ("withdrawal", "Withdrawal of forces", "Forces withdraw from {place} and the {route}."),
    (
        "hostages_prisoners",
        "Exchange of detainees",
        "{n} detainees are released in exchange for {m} prisoners.",
    ),
    ("humanitarian", "Humanitarian access", "{n} aid trucks a day enter through the {route}."),
    ("governance", "Civil administration", "A technocratic committee administers {place}."),
    ("security", "Disarmament", "Heavy weapons are placed under monitoring in {place}."),
    (
        "negotiations",
        "Talks on the next phase",
        "Negotiations on the next phase begin within {n} days.",
    ),
    ("monitoring", "Monitoring mechanism", "A joint committee monitors the ceasefire in {place}."),
    ("other", "Return of displaced people", "Displaced families return to {place}."),
]

# Sentences of reports. Every one is canonical text (single spaces, no tabs).
_EN_SENTENCES = [
    "{a} accused {b} of violating the ceasefire near {place} on {day}.",
    "A senior official involved in the truce talks said {a} was ready to release {n} detainees.",
    "According to local health authorities, {n} people have been killed in {place} since the ceasefire began.",
    "{a} said it had withdrawn its forces from the {route}, a claim {b} disputed.",
    "Mediators from {c} said negotiations on the second phase would begin in {month}.",
    "The agreement, brokered by {c}, was supposed to bring a complete halt to hostilities.",
    "Witnesses reported shelling on the outskirts of {place} late on {day}.",
    "{n} aid trucks entered through the {route}, the {body} said.",
    "{b} denied the accusation and said its troops had only returned fire.",
    "The {body} said it could not verify the figures independently.",
    "Officials from {a} said the first phase had been completed ahead of schedule.",
    "Residents of {place} said the ceasefire was largely holding despite sporadic gunfire.",
    "{a} has repeatedly rejected any agreement that would leave {b} in control of {place}.",
    "The exchange of {n} prisoners for {m} detainees was delayed by a dispute over the lists.",
    "A spokesperson for {c} urged both sides to respect the terms of the deal.",
    "Analysts said the collapse of the talks in {month} left the ceasefire fragile.",
    "The {body} counted {n} violations of the ceasefire in the past week.",
    "{b} said the withdrawal from {place} would be completed within {m} days.",
    "Humanitarian groups warned that fuel deliveries to {place} remained far below the agreed level.",
    "The second phase of the agreement was scheduled to begin on {day}.",
]
_FR_SENTENCES = [
    "{a} a accusé {b} d'avoir violé le cessez-le-feu près de {place} le {day}.",
    "Selon les autorités sanitaires locales, {n} personnes ont été tuées à {place}.",
    "Les médiateurs de {c} ont annoncé la reprise des négociations en {month}.",
    "{b} a démenti ces accusations et affirme avoir seulement riposté.",
    "{n} camions d'aide humanitaire sont entrés par le {route}, selon {body}.",
    "Le retrait des forces de {place} devrait être achevé d'ici {m} jours.",
    "Les habitants de {place} affirment que la trêve est globalement respectée.",
    "L'échange de {n} prisonniers contre {m} otages a été retardé.",
]
_AR_SENTENCES = [
    "اتهم {a} الطرف الآخر بانتهاك وقف إطلاق النار قرب {place}.",
    "قالت السلطات الصحية المحلية إن {n} شخصا قتلوا منذ بدء الهدنة.",
    "أعلن الوسطاء استئناف المفاوضات بشأن المرحلة الثانية من الاتفاق.",
    "نفى {b} هذه الاتهامات وقال إن قواته ردت على مصادر النيران فقط.",
    "دخلت {n} شاحنة مساعدات عبر المعبر بحسب مسؤولين محليين.",
    "قال سكان {place} إن الهدنة صامدة إلى حد كبير رغم إطلاق نار متقطع.",
    "تأجل تبادل {n} أسيرا بسبب خلاف على القوائم.",
    "دعا متحدث باسم الوسطاء الطرفين إلى احترام بنود الاتفاق.",
]
_STATEMENTS = [
    ("compliance", "{a} did not withdraw from {place} as the deal required."),
    ("compliance", "{a} released the {n} detainees due under the first phase."),
    ("compliance", "{a} kept the ceasefire in {place} during the first week."),
    ("compliance", "{a} blocked aid trucks at the {route}."),
    ("compliance", "{a} allowed only part of the agreed aid through the {route}."),
    ("offer", "{a} will release all hostages if {b} ends the war and withdraws."),
    ("offer", "{a} is open to handing {place} to a neutral administration."),
    ("demand", "{a} demands a permanent ceasefire before the second phase."),
    ("demand", "{a} demands the release of {n} prisoners."),
    ("figure", "More than {n} people have died in {place}."),
    ("figure", "{n} aid trucks entered in the first month."),
    ("other", "{a} says talks on the next phase have not begun."),
]
_COMPLIANCE_FOR = {
    0: "not_complied",
    1: "complied",
    2: "complied",
    3: "not_complied",
    4: "partly",
}
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def _weighted_choice(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _spread(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split total into integers proportional to weights (each at least minimum)."""
    n = len(weights)
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0:
        return base
    wsum = sum(weights)
    shares = [rest * w / wsum for w in weights]
    out = [b + int(s) for b, s in zip(base, shares, strict=True)]
    # Hand out what rounding down left, to the largest fractional parts.
    leftover = total - sum(out)
    order = sorted(range(n), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[:leftover]:
        out[i] += 1
    return out


def _day(rng: random.Random, start: int = 0, span: int = DAYS) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=start + rng.randrange(max(1, span)))


# --- the generated world (plain rows, ids already assigned) ----------------------


@dataclass
class _World:
    rng: random.Random
    ids: dict[str, int]
    parties: list[tuple] = field(default_factory=list)
    party_names: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    deals: list[tuple] = field(default_factory=list)
    deal_parties: list[list[int]] = field(default_factory=list)  # party ids per deal
    phases: list[list[int]] = field(default_factory=list)  # phase ids per deal
    clauses: list[list[tuple[int, int | None]]] = field(default_factory=list)  # (id, phase id)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]


_TABLES = [
    "deals_party",
    "deals_deal",
    "deals_dealparty",
    "deals_phase",
    "deals_clause",
    "deals_clause_obliged_parties",
    "sources_source",
    "sources_sourcerevision",
    "sources_passage",
    "claims_claim",
    "claims_claim_subjects",
    "claims_evidence",
]


def _max_ids(cursor) -> dict[str, int]:
    ids = {}
    for table in _TABLES:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed names
        ids[table] = cursor.fetchone()[0]
    return ids


def _place_name(rng: random.Random) -> str:
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return (name + rng.choice(_PLACE_SUFFIXES)).capitalize()


def _fill(template: str, rng: random.Random, world: _World, names: Sequence[str]) -> str:
    a, b, c = (rng.choice(names) for _ in range(3))
    return template.format(
        a=a,
        b=b,
        c=c,
        body=rng.choice(world.party_names),
        place=rng.choice(world.places),
        route=rng.choice(world.routes),
        n=rng.randint(2, 60_000),
        m=rng.randint(2, 90),
        day=f"{rng.randint(1, 28)} {rng.choice(_MONTHS)}",
        month=rng.choice(_MONTHS),
    )


# --- progress and COPY ---------------------------------------------------------


def _copy(
    cursor,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    total: int,
    progress: Callable[[str, int], object],
) -> int:
    cols = ", ".join(f'"{c}"' for c in columns)
    bar = progress(table, total)
    n = 0
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # noqa: S608 - fixed names
        for row in rows:
            copy.write_row(row)
            n += 1
            if n % 2000 == 0 and bar is not None:
                bar.update(2000)
    if bar is not None:
        bar.update(n % 2000)
        bar.close()
    return n


def _no_progress(table: str, total: int):
    return None


# --- generation ----------------------------------------------------------------


def generate(
    *,
    scale: float = 1.0,
    seed: int = 2025,
    full_pages: bool = False,
    progress: Callable[[str, int], object] = _no_progress,
) -> dict[str, object]:
    """Generate the archive in one transaction; return row counts and seconds per table."""
    counts = counts_for_scale(scale, full_pages=full_pages)
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if generated_source_count():
            raise ValueError(
                "this database already holds a generated archive "
                f"(sources under {SYNTHETIC_URL_PREFIX}); use a fresh database"
            )
        # A load of minutes is no runaway request: lift the app's statement timeout.
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Nobody else writes while ids are handed out from the current maxima.
        cursor.execute(f"LOCK TABLE {', '.join(_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        world = _World(rng=rng, ids=_max_ids(cursor))
        # Building a GIN index once is several times faster than growing it row by
        # row: drop the search indexes for the load and rebuild them from their own
        # definitions at the end (same transaction, so nobody sees them missing).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = ANY(%s) AND indexdef ILIKE %s",
            [_TABLES, "%USING gin (search_vector)%"],
        )
        search_indexes = cursor.fetchall()
        for name, _ in search_indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        existing = set()
        cursor.execute("SELECT slug FROM deals_party UNION ALL SELECT slug FROM deals_deal")
        existing.update(slug for (slug,) in cursor.fetchall())

        def step(table: str, columns: Sequence[str], data: Iterable[Sequence], total: int):
            t0 = time.perf_counter()
            rows[table] = _copy(cursor, table, columns, data, total, progress)
            timings[table] = round(time.perf_counter() - t0, 2)

        world.places = sorted({_place_name(rng) for _ in range(400)})
        world.routes = [f"{p} corridor" for p in world.places[:40]] + [
            f"{p} crossing" for p in world.places[40:80]
        ]
        step(
            "deals_party",
            _PARTY_COLUMNS,
            _parties(world, counts["parties"], existing),
            counts["parties"],
        )
        step("deals_deal", _DEAL_COLUMNS, _deals(world, counts["deals"], existing), counts["deals"])
        dealparties = list(_deal_parties(world))
        step(
            "deals_dealparty", ["id", "deal_id", "party_id", "role"], dealparties, len(dealparties)
        )
        phases = list(_phases(world))
        step("deals_phase", _PHASE_COLUMNS, phases, len(phases))
        clause_rows, obliged = _clauses(world, counts["clauses"])
        step("deals_clause", _CLAUSE_COLUMNS, clause_rows, len(clause_rows))
        step("deals_clause_obliged_parties", ["id", "clause_id", "party_id"], obliged, len(obliged))

        sources = _source_texts(world, counts["sources"], counts["passages"])
        step("sources_source", _SOURCE_COLUMNS, _source_rows(sources), len(sources))
        step("sources_sourcerevision", _REVISION_COLUMNS, _revision_rows(sources), len(sources))
        n_passages = sum(len(s.spans) for s in sources)
        step("sources_passage", _PASSAGE_COLUMNS, _passage_rows(world, sources), n_passages)
        passage_refs = [(s, i) for s in sources for i in range(len(s.spans))]

        claims, subjects, evidence = _claims(world, counts["claims"], sources, passage_refs)
        step("claims_claim", _CLAIM_COLUMNS, claims, len(claims))
        step("claims_claim_subjects", ["id", "claim_id", "party_id"], subjects, len(subjects))
        step("claims_evidence", _EVIDENCE_COLUMNS, evidence, len(evidence))

        t0 = time.perf_counter()
        # Run the deferred foreign-key checks now: CREATE INDEX refuses to run
        # on a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        timings["foreign keys"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in search_indexes:
            cursor.execute(definition)
        timings["search indexes"] = round(time.perf_counter() - t0, 2)
        # The ids were written explicitly: move every sequence past them.
        for table in _TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        # Fresh statistics, so the planner knows the tables are big now, and (outside a
        # transaction) the visibility map autovacuum would have written by the time a
        # live archive is this big: without it no index-only scan is possible, and the
        # benchmark would measure a database no newsroom runs.
        # claims_matrixcount and claims_dealcompliancecount: filled by triggers as the
        # rows were copied in.
        tables = ", ".join([*_TABLES, "claims_matrixcount", "claims_dealcompliancecount"])
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
    timings["vacuum, analyze"] = round(time.perf_counter() - t0, 2)
    return {
        "scale": scale,
        "seed": seed,
        "rows": rows,
        "seconds": timings,
        "total_seconds": round(time.perf_counter() - started, 1),
    }


_PARTY_COLUMNS = [
    "id",
    "name",
    "short_name",
    "slug",
    "kind",
    "aliases",
    "description",
    "created_at",
    "updated_at",
]


def _unique_slug(base: str, taken: set[str]) -> str:
    slug = slugify(base)[:100] or "item"
    candidate, n = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _parties(world: _World, n: int, taken: set[str]):
    rng = world.rng
    for _ in range(n):
        place = _place_name(rng)
        kind = _weighted_choice(
            rng,
            [
                ("state", 0.35),
                ("armed_group", 0.35),
                ("mediator", 0.1),
                ("international_body", 0.1),
                ("other", 0.1),
            ],
        )
        if kind == "state":
            name = rng.choice(["Republic of {p}", "Kingdom of {p}", "{p}", "Federation of {p}"])
        elif kind == "armed_group":
            name = rng.choice(_GROUP_FORMS)
        elif kind == "international_body":
            name = rng.choice(_BODY_FORMS)
        else:
            name = rng.choice(["{p} Mediation Office", "Friends of {p}", "{a} Elders"])
        name = name.format(p=place, a=place + "n")
        short = place if kind == "state" else "".join(w[0] for w in name.split() if w[0].isupper())
        pid = world.next_id("deals_party")
        world.parties.append((pid, kind))
        world.party_names.append(name)
        yield (
            pid,
            name,
            short[:60],
            _unique_slug(name, taken),
            kind,
            [place] if rng.random() < 0.3 else [],
            f"Synthetic party for the benchmark archive ({kind.replace('_', ' ')}).",
            BASE_TIME,
            BASE_TIME,
        )


_DEAL_COLUMNS = [
    "id", "title", "slug", "status", "summary", "date_agreed", "date_agreed_precision",
    "purpose", "stage", "form", "mediated", "mechanisms", "declared_on", "effective_on",
    "ended_on", "editor_note", "language", "created_at", "updated_at", "answers_id",
    "supersedes_id",
]  # fmt: skip


def _deals(world: _World, n: int, taken: set[str]):
    rng = world.rng
    party_ids = [pid for pid, _ in world.parties]
    for _ in range(n):
        place = rng.choice(world.places)
        kind = rng.choice(["ceasefire", "truce", "humanitarian pause", "framework agreement"])
        agreed = _day(rng)
        title = f"{place} {kind} {agreed.year}"
        did = world.next_id("deals_deal")
        ended = agreed + dt.timedelta(days=rng.randint(20, 400)) if rng.random() < 0.3 else None
        earlier = [d[0] for d in world.deals]
        relates = earlier and rng.random() < 0.1
        world.deals.append((did, title))
        # Parties: 2-4 signatories, 1-2 mediators, sometimes a guarantor or observer.
        world.deal_parties.append(rng.sample(party_ids, k=min(len(party_ids), rng.randint(4, 8))))
        yield (
            did,
            title,
            _unique_slug(title, taken),
            rng.choice(
                [
                    "proposed",
                    "agreed",
                    "in_force",
                    "in_force",
                    "suspended",
                    "collapsed",
                    "concluded",
                ]
            ),
            f"A synthetic {kind} covering {place}, generated for the benchmark archive.",
            agreed,
            rng.choice(["day", "day", "month"]),
            rng.choice(["humanitarian", "peace_process", "other", ""]),
            rng.choice(["preliminary", "definitive", ""]),
            rng.choice(["written", "verbal", ""]),
            rng.choice([True, False, None]),
            rng.sample(["monitoring", "verification", "joint_committee"], k=rng.randint(0, 2)),
            agreed,
            agreed + dt.timedelta(days=rng.randint(0, 5)),
            ended,
            "",
            "en",
            BASE_TIME,
            BASE_TIME,
            rng.choice(earlier) if relates and rng.random() < 0.5 else None,
            rng.choice(earlier) if relates and rng.random() < 0.5 else None,
        )


def _deal_parties(world: _World):
    for (did, _), parties in zip(world.deals, world.deal_parties, strict=True):
        roles = ["signatory"] * (len(parties) - 2) + [
            "mediator",
            world.rng.choice(["guarantor", "observer"]),
        ]
        for pid, role in zip(parties, roles, strict=True):
            yield (world.next_id("deals_dealparty"), did, pid, role)


_PHASE_COLUMNS = [
    "id", "deal_id", "order", "name", "description", "status",
    "planned_start", "planned_start_precision", "planned_end", "planned_end_precision",
    "actual_start", "actual_start_precision", "actual_end", "actual_end_precision",
]  # fmt: skip


def _phases(world: _World):
    rng = world.rng
    for did, _ in world.deals:
        start = _day(rng)
        ids = []
        for order in range(1, rng.randint(1, 4) + 1):
            end = start + dt.timedelta(days=rng.randint(20, 60))
            begun = rng.random() < 0.6
            pid = world.next_id("deals_phase")
            ids.append(pid)
            yield (
                pid, did, order, f"Phase {order}", "", rng.choice(["scheduled", "active", "completed", "stalled"]),
                start, "day", end, rng.choice(["day", "early", "month"]),
                start if begun else None, "day", end if begun and rng.random() < 0.5 else None, "day",
            )  # fmt: skip
            start = end + dt.timedelta(days=1)
        world.phases.append(ids)


_CLAUSE_COLUMNS = [
    "id", "deal_id", "phase_id", "reference", "position", "title", "text", "category",
    "deadline_date", "deadline_date_precision", "deadline_delay", "deadline_delay_unit",
    "deadline_anchor", "deadline_phase_id", "language",
]  # fmt: skip


def _clauses(world: _World, n: int):
    rng = world.rng
    per_deal = _spread(n, [rng.uniform(0.5, 1.5) for _ in world.deals], minimum=1)
    rows, obliged = [], []
    for (did, _), k, phases, parties in zip(
        world.deals, per_deal, world.phases, world.deal_parties, strict=True
    ):
        mine = []
        for position in range(k):
            phase_index = rng.randrange(len(phases) + 1)  # len(phases): deal-wide
            phase = phases[phase_index] if phase_index < len(phases) else None
            reference = f"{phase_index + 1}.{position + 1}" if phase else f"G.{position + 1}"
            category, title, text = rng.choice(_TERMS)
            cid = world.next_id("deals_clause")
            mine.append((cid, phase))
            relative = phase is not None and rng.random() < 0.3
            dated = not relative and rng.random() < 0.2
            rows.append(
                (
                    cid,
                    did,
                    phase,
                    reference,
                    position,
                    f"{title} ({reference})",
                    _fill(text, rng, world, world.party_names),
                    category,
                    _day(rng) if dated else None,
                    "day",
                    rng.choice([72, 10, 30]) if relative else None,
                    rng.choice(["hours", "days"]) if relative else "",
                    rng.choice(["start", "end"]) if relative else "",
                    phase if relative else None,
                    "en",
                )  # fmt: skip
            )
            for pid in rng.sample(parties, k=min(len(parties), rng.randint(1, 3))):
                obliged.append((world.next_id("deals_clause_obliged_parties"), cid, pid))
        world.clauses.append(mine)
    return rows, obliged


@dataclass
class _Source:
    id: int
    revision_id: int
    language: str
    title: str
    published_on: dt.date
    text: str
    hash: str
    url: str
    spans: list[tuple[int, int]]


def _paragraphs(rng: random.Random, sentences: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join sentences into canonical paragraphs; return the text and each sentence's span."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    left = len(sentences)
    i = 0
    while left:
        k = min(left, rng.randint(2, 6))
        for j in range(k):
            s = sentences[i]
            if j:
                parts.append(" ")
                pos += 1
            spans.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s)
            i += 1
        left -= k
        if left:
            parts.append("\n\n")
            pos += 2
    return "".join(parts), spans


def _sentence_pools(world: _World) -> dict[str, list[str]]:
    rng = world.rng
    names = world.party_names
    return {
        "en": [_fill(t, rng, world, names) for t in _EN_SENTENCES for _ in range(150)],
        "fr": [_fill(t, rng, world, names) for t in _FR_SENTENCES for _ in range(60)],
        "ar": [_fill(t, rng, world, names) for t in _AR_SENTENCES for _ in range(60)],
    }


def _source_texts(world: _World, n: int, n_passages: int) -> list[_Source]:
    rng = world.rng
    pools = _sentence_pools(world)
    outlets = [
        "Wire Service",
        "The Daily Ledger",
        "Regional Times",
        "Le Courrier",
        "Al-Akhbar Online",
        "Field Monitor",
    ]
    lengths = [max(3, min(400, round(rng.lognormvariate(math.log(20), 0.8)))) for _ in range(n)]
    per_source = _spread(n_passages, lengths, minimum=1)
    sources = []
    for i in range(n):
        language = _weighted_choice(rng, [("en", 0.85), ("ar", 0.1), ("fr", 0.05)])
        sentences = rng.choices(pools[language], k=lengths[i])
        text, spans = _paragraphs(rng, sentences)
        chosen = sorted(rng.sample(range(len(spans)), k=min(len(spans), per_source[i])))
        sources.append(
            _Source(
                id=world.next_id("sources_source"),
                revision_id=world.next_id("sources_sourcerevision"),
                language=language,
                title=f"{rng.choice(outlets)}: {sentences[0][:120]}",
                published_on=_day(rng),
                text=text,
                hash=text_hash(text),
                url=f"{SYNTHETIC_URL_PREFIX}{language}/{i + 1}",
                spans=[spans[j] for j in chosen],
            )
        )
    # The long report: about 50 KB of English, 500 single-sentence passages.
    sentences = []
    while sum(len(s) + 1 for s in sentences) < LONG_REPORT_CHARS:
        sentences.append(rng.choice(pools["en"]))
    text, spans = _paragraphs(rng, sentences)
    chosen = sorted(rng.sample(range(len(spans)), k=min(len(spans), LONG_REPORT_PASSAGES)))
    sources.append(
        _Source(
            id=world.next_id("sources_source"),
            revision_id=world.next_id("sources_sourcerevision"),
            language="en",
            title="Field Monitor: the long report (benchmark source)",
            published_on=dt.date(2025, 3, 1),
            text=text,
            hash=text_hash(text),
            url=LONG_REPORT_URL,
            spans=[spans[j] for j in chosen],
        )
    )
    return sources


_SOURCE_COLUMNS = [
    "id", "kind", "title", "outlet", "author", "attribution", "url", "published_on",
    "language", "text", "text_hash", "created_at", "updated_at", "last_passage_number",
]  # fmt: skip


def _source_rows(sources: list[_Source]):
    for s in sources:
        outlet = s.title.split(":", 1)[0]
        kind = "news_report" if s.id % 7 else "ngo_report"
        yield (
            s.id, kind, s.title[:500], outlet, "", "", s.url, s.published_on,
            s.language, s.text, s.hash, BASE_TIME, BASE_TIME, len(s.spans),
        )  # fmt: skip


_REVISION_COLUMNS = ["id", "source_id", "number", "text", "text_hash", "note", "created_at"]


def _revision_rows(sources: list[_Source]):
    for s in sources:
        yield (s.revision_id, s.id, 1, s.text, s.hash, "", BASE_TIME)


_PASSAGE_COLUMNS = [
    "id", "source_id", "start", "end", "quote", "prefix", "suffix", "revision_made_id",
    "revision_anchored_id", "anchor_status", "needs_review", "previous_quote", "note",
    "created_at", "updated_at", "number",
]  # fmt: skip


def _passage_rows(world: _World, sources: list[_Source]):
    for s in sources:
        # Labels P1, P2 ... in text order; the source's counter is already at the last
        # (so the numbering trigger writes nothing).
        for number, (start, end) in enumerate(s.spans, 1):
            pid = world.next_id("sources_passage")
            note = "Check the figure against the health ministry's count." if pid % 13 == 0 else ""
            yield (
                pid, s.id, start, end, s.text[start:end],
                s.text[max(0, start - CONTEXT_CHARS) : start], s.text[end : end + CONTEXT_CHARS],
                s.revision_id, s.revision_id, "anchored", False, "", note, BASE_TIME, BASE_TIME,
                number,
            )  # fmt: skip


_CLAIM_COLUMNS = [
    "id", "statement", "attribution", "kind", "compliance", "made_on", "made_on_precision",
    "verification", "is_published", "published_at", "language", "version", "created_at",
    "updated_at", "claimant_id", "clause_id", "deal_id", "phase_id",
]  # fmt: skip
_EVIDENCE_COLUMNS = ["id", "claim_id", "passage_id", "relation", "note", "created_at", "updated_at"]


def _claims(world: _World, n: int, sources: list[_Source], passage_refs: list):
    """Claims with Zipf-skewed deals, their subjects and evidence (rows for COPY)."""
    rng = world.rng
    first_passage = world.ids["sources_passage"] - len(passage_refs) + 1
    # Deal i gets weight 1/(i+1)^1.1: the first few deals hold most claims.
    n_deals = len(world.deals)
    weights = [1 / (i + 1) ** 1.1 for i in range(n_deals)]
    per_deal = _spread(round(n * 0.92), weights)
    general = n - sum(per_deal)  # figures about the war in general: no deal
    claims, subjects, evidence = [], [], []
    long_report = sources[-1]
    long_first = first_passage + len(passage_refs) - len(long_report.spans)
    plan = [(d, k) for d, k in enumerate(per_deal)] + [(None, general)]
    for deal_index, k in plan:
        for _ in range(k):
            cid = world.next_id("claims_claim")
            if deal_index is None:
                did = clause = phase = None
                parties = [pid for pid, _ in rng.sample(world.parties, 3)]
                kind = "figure"
                template = rng.choice([t for kd, t in _STATEMENTS if kd == "figure"])
                t_index = None
            else:
                did = world.deals[deal_index][0]
                parties = world.deal_parties[deal_index]
                t_index = rng.randrange(len(_STATEMENTS))
                kind, template = _STATEMENTS[t_index]
                roll = rng.random()
                clause = phase = None
                if roll < 0.7 and world.clauses[deal_index]:
                    clause = rng.choice(world.clauses[deal_index])[0]
                elif roll < 0.85 and world.phases[deal_index]:
                    phase = rng.choice(world.phases[deal_index])
            compliance = ""
            if kind == "compliance":
                compliance = (
                    _COMPLIANCE_FOR.get(t_index, "unclear") if rng.random() < 0.85 else "unclear"
                )
            subject_ids = rng.sample(parties, k=min(len(parties), 1 if rng.random() < 0.8 else 2))
            claimant = rng.choice(parties) if rng.random() < 0.7 else None
            published = rng.random() < 0.85
            made_on = _day(rng)
            first_party = world.parties[0][0]
            subject_name = world.party_names[subject_ids[0] - first_party]
            other_name = world.party_names[rng.choice(parties) - first_party]
            statement = _fill(template.replace("{b}", other_name), rng, world, [subject_name])
            claims.append(
                (
                    cid,
                    statement,
                    ""
                    if claimant and rng.random() < 0.5
                    else "a senior official involved in the talks",
                    kind,
                    compliance,
                    made_on,
                    rng.choice(["day", "day", "day", "month", "early"]),
                    _weighted_choice(
                        rng,
                        [
                            ("unverified", 0.55),
                            ("corroborated", 0.25),
                            ("disputed", 0.15),
                            ("refuted", 0.05),
                        ],
                    ),
                    published,
                    BASE_TIME if published else None,
                    "en",
                    1,
                    BASE_TIME,
                    BASE_TIME,
                    claimant,
                    clause,
                    did,
                    phase,
                )  # fmt: skip
            )
            for pid in subject_ids:
                subjects.append((world.next_id("claims_claim_subjects"), cid, pid))
            n_evidence = 1 if rng.random() < 0.8 else 2
            picked = rng.sample(range(len(passage_refs)), k=n_evidence)
            for j, p in enumerate(picked):
                relation = "states" if j == 0 else rng.choice(["supports", "disputes", "context"])
                evidence.append(
                    (
                        world.next_id("claims_evidence"),
                        cid,
                        first_passage + p,
                        relation,
                        "",
                        BASE_TIME,
                        BASE_TIME,
                    )
                )
    # The long report's passages carry evidence too, as a much-cited report's do.
    for j in range(min(100, len(long_report.spans), len(claims))):
        evidence.append(
            (
                world.next_id("claims_evidence"),
                claims[j][0],
                long_first + j * 5 % len(long_report.spans),
                "context",
                "",
                BASE_TIME,
                BASE_TIME,
            )
        )
    # A claim links a passage at most once.
    seen: set[tuple[int, int]] = set()
    unique = []
    for row in evidence:
        if (row[1], row[2]) not in seen:
            seen.add((row[1], row[2]))
            unique.append(row)
    return claims, subjects, unique
