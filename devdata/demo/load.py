"""Load the demo world of data.py: once per record, in one transaction.

The desk remembers what it loaded (desk.models.DemoRecord, one row per demo
record, keyed by its natural key in data.py): running `loaddemo` again adds only
the demo records it never loaded — new ones in data.py, say — and never brings
back one an editor deleted (which stays restorable from history, once). A row it
loaded is left as it is (an admin's edits to the demo survive a second
`make run`), so loading twice changes nothing.

A database loaded before the desk kept this record: a demo row that is there is
noted as loaded; one that is missing but has history (it was there, and was
deleted) is noted as loaded too, and stays deleted. Conversely a demo row gone
together with its history (tables emptied by hand: an editor's delete always
leaves a history record) is loaded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from dealtracker.claims.models import (
    AgreementText,
    Assessment,
    Claim,
    ClauseAnchor,
    Evidence,
    VerificationChange,
)
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.desk.models import DemoRecord
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.models import CONTEXT_CHARS, Passage, Source, SourceRevision

from . import data

DEMO_DIR = Path(__file__).resolve().parent


class DemoDataError(ValueError):
    """The demo data does not fit the report (a passage missing or repeated)."""


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    # Demo records loaded before and gone now (deleted by an editor): left deleted.
    kept_deleted: dict[str, int] = field(default_factory=dict)
    ledger: dict[str, DemoRecord] = field(default_factory=dict, repr=False)
    noted: list[DemoRecord] = field(default_factory=list, repr=False)
    replaced: list[str] = field(default_factory=list, repr=False)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def once(self, what: str, model, key: str, lookup: dict, create):
        """The demo record `key` of `model`: the row it became when it was loaded (None when
        that row was deleted since), or, the first time, the row matching lookup, else the
        row create() makes. Returns (row or None, created)."""
        key = f"{model._meta.label_lower}:{key}"
        record = self.ledger.get(key)
        if record is not None:
            row = model.objects.filter(pk=record.object_id).first()
            if row is not None:
                return row, False
            if record.object_id is None or model.history.filter(id=record.object_id).exists():
                # Deleted since (a deletion leaves its history record): it stays deleted.
                self.kept_deleted[what] = self.kept_deleted.get(what, 0) + 1
                return None, False
            # Gone without a trace, history and all: the tables were emptied some other way
            # than by an editor (a fresh start). Loaded again, as never before.
            self.replaced.append(key)
        row = model.objects.filter(**lookup).first()
        object_id, created = (row.pk if row else None), False
        past = model.history.filter(**lookup).order_by("-history_date").first() if not row else None
        if past is not None:
            # Loaded before the desk kept its record of the demo, and deleted since: it
            # stays deleted (and is found again if restored from history, same id).
            object_id = past.id
            self.kept_deleted[what] = self.kept_deleted.get(what, 0) + 1
        elif row is None:
            row = create()  # None when what it rests on is gone
            created = row is not None
            object_id = row.pk if created else None
            self.count(what, created)
        self.ledger[key] = DemoRecord(key=key, model=model._meta.label_lower, object_id=object_id)
        self.noted.append(self.ledger[key])
        return row, created

    def save(self) -> None:
        DemoRecord.objects.filter(key__in=self.replaced).delete()
        DemoRecord.objects.bulk_create(self.noted)


def report_text() -> str:
    """The sample report in canonical form."""
    return canonicalize((DEMO_DIR / data.REPORT_FILE).read_text(encoding="utf-8"))


def passage_span(text: str, sentence: str) -> tuple[int, int]:
    """Offsets of the one place sentence occurs in text (code points)."""
    sentence = canonicalize(sentence)
    start = text.find(sentence)
    if start < 0:
        raise DemoDataError(f"Not in the report: {sentence[:60]!r}…")
    if text.find(sentence, start + 1) >= 0:
        raise DemoDataError(f"Found twice in the report: {sentence[:60]!r}…")
    return start, start + len(sentence)


def _unique_key(*parts) -> str:
    return ":".join(str(p) for p in parts)


def load_parties(result: LoadResult) -> dict[str, Party | None]:
    parties = {}
    for slug, fields in data.PARTIES.items():
        parties[slug], _ = result.once(
            "parties",
            Party,
            slug,
            {"slug": slug},
            lambda s=slug, f=fields: Party.objects.create(slug=s, **f),
        )
    return parties


def load_deal(spec: dict, parties: dict[str, Party | None], result: LoadResult) -> Deal | None:
    fields = {
        k: v
        for k, v in spec.items()
        if k not in {"slug", "parties", "phases", "clauses", "answers"}
    }
    if spec["answers"]:
        fields["answers"] = Deal.objects.filter(slug=spec["answers"]).first()
    deal, _ = result.once(
        "deals",
        Deal,
        spec["slug"],
        {"slug": spec["slug"]},
        lambda: Deal.objects.create(slug=spec["slug"], **fields),
    )
    if deal is None:
        return None  # deleted by an editor: its phases, clauses and parties went with it

    for party_slug, role in spec["parties"]:
        party = parties[party_slug]
        if party is None:
            continue
        result.once(
            "deal parties",
            DealParty,
            _unique_key(spec["slug"], party_slug, role),
            {"deal": deal, "party": party, "role": role},
            lambda p=party, r=role: DealParty.objects.create(deal=deal, party=p, role=r),
        )

    phases: dict[int, Phase | None] = {}
    for phase_spec in spec["phases"]:
        order = phase_spec["order"]
        fields = {k: v for k, v in phase_spec.items() if k != "order"}
        phases[order], _ = result.once(
            "phases",
            Phase,
            _unique_key(spec["slug"], order),
            {"deal": deal, "order": order},
            lambda o=order, f=fields: Phase.objects.create(deal=deal, order=o, **f),
        )

    for position, clause_spec in enumerate(spec["clauses"], start=1):
        fields = {
            "position": position,
            "title": clause_spec["title"],
            "text": clause_spec["text"],
            "category": clause_spec["category"],
            "phase": phases[clause_spec["phase"]] if clause_spec["phase"] else None,
        }
        if clause_spec["phase"] and fields["phase"] is None:
            continue  # its phase was deleted
        if "date" in clause_spec:
            fields["deadline_date"] = clause_spec["date"]
            fields["deadline_date_precision"] = clause_spec.get("date_precision", "day")
        if "delay" in clause_spec:
            amount, unit, anchor, phase_order = clause_spec["delay"]
            if phases[phase_order] is None:
                continue
            fields.update(
                deadline_delay=amount,
                deadline_delay_unit=unit,
                deadline_anchor=anchor,
                deadline_phase=phases[phase_order],
            )

        def create_clause(spec=clause_spec, fields=fields):
            clause = Clause.objects.create(deal=deal, reference=spec["reference"], **fields)
            clause.obliged_parties.set([parties[s] for s in spec["obliged"] if parties[s]])
            return clause

        result.once(
            "clauses",
            Clause,
            _unique_key(spec["slug"], clause_spec["reference"]),
            {"deal": deal, "reference": clause_spec["reference"]},
            create_clause,
        )
    return deal


def _text_source(
    what: str, fields: dict, text: str, result: LoadResult
) -> tuple[Source | None, SourceRevision | None]:
    """A demo source (keyed by its URL) with its revision 1."""
    digest = text_hash(text)
    source, _ = result.once(
        what,
        Source,
        fields["url"],
        {"url": fields["url"]},
        lambda: Source.objects.create(**fields, text=text, text_hash=digest),
    )
    if source is None:
        return None, None
    revision, _ = result.once(
        "source revisions",
        SourceRevision,
        _unique_key(fields["url"], 1),
        {"source": source, "number": 1},
        lambda: SourceRevision.objects.create(source=source, number=1, text=text, text_hash=digest),
    )
    return source, revision


def load_source(result: LoadResult) -> tuple[Source | None, SourceRevision | None]:
    return _text_source("sources", data.SOURCE, report_text(), result)


def _passage(
    source: Source, revision: SourceRevision, start: int, end: int, note: str, result: LoadResult
) -> Passage | None:
    text = revision.text
    quote = text[start:end]
    # Keyed by the quote, so a passage re-anchored after a revision is still found.
    passage, _ = result.once(
        "passages",
        Passage,
        _unique_key(source.url, quote),
        {"source": source, "quote": quote},
        lambda: Passage.objects.create(
            source=source,
            quote=quote,
            start=start,
            end=end,
            revision_anchored=revision,
            prefix=text[max(0, start - CONTEXT_CHARS) : start],
            suffix=text[end : end + CONTEXT_CHARS],
            revision_made=revision,
            note=note,
        ),
    )
    return passage


def load_passages(
    source: Source | None, revision: SourceRevision | None, result: LoadResult
) -> dict[str, Passage | None]:
    if source is None or revision is None:
        return dict.fromkeys(data.PASSAGES)
    passages = {}
    for key, (sentence, note) in data.PASSAGES.items():
        start, end = passage_span(revision.text, sentence)
        passages[key] = _passage(source, revision, start, end, note, result)
    return passages


def load_claims(
    deals: dict[str, Deal | None],
    parties: dict[str, Party | None],
    passages: dict[str, Passage | None],
    result: LoadResult,
) -> None:
    made_on, precision = data.MADE_ON
    for spec in data.CLAIMS:
        if spec.get("deal") and deals.get(spec["deal"]) is None:
            continue  # its deal was deleted
        deal = deals.get(spec.get("deal"))
        fields = {
            "kind": spec["kind"],
            "compliance": spec.get("compliance", ""),
            "claimant": parties.get(spec.get("claimant")),
            "attribution": spec["attribution"],
            "deal": deal,
            "phase": deal.phases.filter(order=spec["phase"]).first() if "phase" in spec else None,
            "clause": (
                deal.clauses.filter(reference=spec["clause"]).first() if "clause" in spec else None
            ),
            "made_on": made_on,
            "made_on_precision": precision,
            "verification": spec["verification"],
            "is_published": spec["published"],
            "published_at": data.PUBLISHED_AT if spec["published"] else None,
        }
        if fields["clause"] is not None and fields["phase"] is None:
            fields["phase"] = fields["clause"].phase

        def create_claim(spec=spec, fields=fields):
            claim = Claim.objects.create(statement=spec["statement"], **fields)
            claim.subjects.set([parties[s] for s in spec["subjects"] if parties[s]])
            return claim

        claim, _ = result.once(
            "claims", Claim, spec["statement"], {"statement": spec["statement"]}, create_claim
        )
        if claim is None:
            continue  # deleted by an editor: it stays deleted, with its evidence
        for passage_key, relation, note in spec["evidence"]:
            passage = passages[passage_key]
            if passage is None:
                continue
            result.once(
                "evidence",
                Evidence,
                _unique_key(spec["statement"], passage.quote),
                {"claim": claim, "passage": passage},
                lambda c=claim, p=passage, r=relation, n=note: Evidence.objects.create(
                    claim=c, passage=p, relation=r, note=n
                ),
            )
        for from_status, to_status, note in spec.get("verification_changes", []):
            result.once(
                "verification changes",
                VerificationChange,
                _unique_key(spec["statement"], from_status, to_status),
                {"claim": claim, "from_status": from_status, "to_status": to_status},
                lambda c=claim, f=from_status, t=to_status, n=note: (
                    VerificationChange.objects.create(claim=c, from_status=f, to_status=t, note=n)
                ),
            )


def load_assessments(
    deals: dict[str, Deal | None], parties: dict[str, Party | None], result: LoadResult
) -> None:
    """The newsroom's demo assessments (demo/assessments.py), keyed by clause, party and
    date, each loaded once like everything else in this module."""
    from . import assessments as demo_assessments

    deal = deals[demo_assessments.DEAL]
    if deal is None:
        return
    for ref, party_slug, day, level, rationale, statements in demo_assessments.ASSESSMENTS:
        clause = deal.clauses.filter(reference=ref).first()
        party = parties[party_slug]
        if clause is None or party is None:
            continue

        def create_assessment(
            clause=clause,
            party=party,
            day=day,
            level=level,
            rationale=rationale,
            statements=statements,
        ):
            assessment = Assessment.objects.create(
                clause=clause,
                party=party,
                assessed_on=day,
                level=level,
                rationale=rationale,
                is_published=True,
                published_at=demo_assessments.PUBLISHED_AT[day],
            )
            assessment.claims.set(Claim.objects.filter(statement__in=statements, clause=clause))
            return assessment

        result.once(
            "assessments",
            Assessment,
            _unique_key(demo_assessments.DEAL, ref, party_slug, day.isoformat()),
            {"clause": clause, "party": party, "assessed_on": day},
            create_assessment,
        )


def load_agreement(deals: dict[str, Deal | None], result: LoadResult) -> None:
    """The January deal's agreement text (the desk's outline) with every clause anchored in it.

    A clause already anchored is left as it is (an editor may have re-anchored it)."""
    spec = data.AGREEMENT
    deal = deals[spec["deal"]]
    if deal is None:
        return
    text = canonicalize((DEMO_DIR / spec["file"]).read_text(encoding="utf-8"))
    source, revision = _text_source("sources", spec["source"], text, result)
    if source is None or revision is None:
        return
    result.once(
        "agreement texts",
        AgreementText,
        _unique_key(spec["deal"], source.url),
        {"deal": deal, "source": source},
        lambda: AgreementText.objects.create(
            deal=deal, source=source, role=spec["role"], position=1
        ),
    )
    for reference, sentence in spec["clauses"].items():
        clause = deal.clauses.filter(reference=reference).first()
        if clause is None:
            continue
        start, end = passage_span(revision.text, sentence)

        def anchor(clause=clause, start=start, end=end):
            passage = _passage(source, revision, start, end, "", result)
            if passage is None:
                return None
            made = ClauseAnchor.objects.create(clause=clause, passage=passage)
            if clause.text != passage.quote:
                # The clause's words are the agreement's (as an editor's anchoring sets them).
                clause.text = passage.quote
                clause.save(update_fields=["text"])
            return made

        result.once(
            "clause anchors",
            ClauseAnchor,
            _unique_key(spec["deal"], reference),
            {"clause": clause},
            anchor,
        )


@transaction.atomic
def load_demo() -> LoadResult:
    # One loader at a time: two at once would both find a record missing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dealtracker.loaddemo'))")
    result = LoadResult(ledger={r.key: r for r in DemoRecord.objects.all()})
    parties = load_parties(result)
    deals = {spec["slug"]: load_deal(spec, parties, result) for spec in data.DEALS}
    source, revision = load_source(result)
    passages = load_passages(source, revision, result)
    load_claims(deals, parties, passages, result)
    load_assessments(deals, parties, result)
    load_agreement(deals, result)
    result.save()
    return result
