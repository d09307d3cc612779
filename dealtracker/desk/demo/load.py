"""Load the demo world of data.py: idempotent, in one transaction.

Every row is looked up by its natural key and created only when missing;
existing rows are left as they are (an admin's edits to the demo survive a
second `make run`), so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from dealtracker.claims.models import (
    AgreementText,
    Assessment,
    Claim,
    ClauseAnchor,
    Evidence,
    VerificationChange,
)
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.models import CONTEXT_CHARS, Passage, Source, SourceRevision

from . import data

DEMO_DIR = Path(__file__).resolve().parent


class DemoDataError(ValueError):
    """The demo data does not fit the report (a passage missing or repeated)."""


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


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


def load_parties(result: LoadResult) -> dict[str, Party]:
    parties = {}
    for slug, fields in data.PARTIES.items():
        parties[slug], created = Party.objects.get_or_create(slug=slug, defaults=fields)
        result.count("parties", created)
    return parties


def load_deal(spec: dict, parties: dict[str, Party], result: LoadResult) -> Deal:
    fields = {
        k: v
        for k, v in spec.items()
        if k not in {"slug", "parties", "phases", "clauses", "answers"}
    }
    if spec["answers"]:
        fields["answers"] = Deal.objects.get(slug=spec["answers"])
    deal, created = Deal.objects.get_or_create(slug=spec["slug"], defaults=fields)
    result.count("deals", created)

    for party_slug, role in spec["parties"]:
        _, created = DealParty.objects.get_or_create(
            deal=deal, party=parties[party_slug], role=role
        )
        result.count("deal parties", created)

    phases: dict[int, Phase] = {}
    for phase_spec in spec["phases"]:
        fields = {k: v for k, v in phase_spec.items() if k != "order"}
        phases[phase_spec["order"]], created = Phase.objects.get_or_create(
            deal=deal, order=phase_spec["order"], defaults=fields
        )
        result.count("phases", created)

    for position, clause_spec in enumerate(spec["clauses"], start=1):
        fields = {
            "position": position,
            "title": clause_spec["title"],
            "text": clause_spec["text"],
            "category": clause_spec["category"],
            "phase": phases[clause_spec["phase"]] if clause_spec["phase"] else None,
        }
        if "date" in clause_spec:
            fields["deadline_date"] = clause_spec["date"]
            fields["deadline_date_precision"] = clause_spec.get("date_precision", "day")
        if "delay" in clause_spec:
            amount, unit, anchor, phase_order = clause_spec["delay"]
            fields.update(
                deadline_delay=amount,
                deadline_delay_unit=unit,
                deadline_anchor=anchor,
                deadline_phase=phases[phase_order],
            )
        clause, created = Clause.objects.get_or_create(
            deal=deal, reference=clause_spec["reference"], defaults=fields
        )
        if created:
            clause.obliged_parties.set([parties[slug] for slug in clause_spec["obliged"]])
        result.count("clauses", created)
    return deal


def _text_source(fields: dict, text: str, result: LoadResult) -> tuple[Source, SourceRevision]:
    """A demo source (keyed by its URL) with its revision 1."""
    digest = text_hash(text)
    source, created = Source.objects.get_or_create(
        url=fields["url"],
        defaults={
            **{k: v for k, v in fields.items() if k != "url"},
            "text": text,
            "text_hash": digest,
        },
    )
    result.count("sources", created)
    revision, created = SourceRevision.objects.get_or_create(
        source=source, number=1, defaults={"text": text, "text_hash": digest}
    )
    result.count("source revisions", created)
    return source, revision


def load_source(result: LoadResult) -> tuple[Source, SourceRevision]:
    return _text_source(data.SOURCE, report_text(), result)


def load_passages(
    source: Source, revision: SourceRevision, result: LoadResult
) -> dict[str, Passage]:
    text = revision.text
    passages = {}
    for key, (sentence, note) in data.PASSAGES.items():
        start, end = passage_span(text, sentence)
        # Keyed by the quote, so a passage re-anchored after a revision is still found.
        passages[key], created = Passage.objects.get_or_create(
            source=source,
            quote=text[start:end],
            defaults={
                "start": start,
                "end": end,
                "revision_anchored": revision,
                "prefix": text[max(0, start - CONTEXT_CHARS) : start],
                "suffix": text[end : end + CONTEXT_CHARS],
                "revision_made": revision,
                "note": note,
            },
        )
        result.count("passages", created)
    return passages


def load_claims(
    deals: dict[str, Deal],
    parties: dict[str, Party],
    passages: dict[str, Passage],
    result: LoadResult,
) -> None:
    made_on, precision = data.MADE_ON
    for spec in data.CLAIMS:
        deal = deals.get(spec.get("deal"))
        fields = {
            "kind": spec["kind"],
            "compliance": spec.get("compliance", ""),
            "claimant": parties.get(spec.get("claimant")),
            "attribution": spec["attribution"],
            "deal": deal,
            "phase": deal.phases.get(order=spec["phase"]) if "phase" in spec else None,
            "clause": deal.clauses.get(reference=spec["clause"]) if "clause" in spec else None,
            "made_on": made_on,
            "made_on_precision": precision,
            "verification": spec["verification"],
            "is_published": spec["published"],
            "published_at": data.PUBLISHED_AT if spec["published"] else None,
        }
        if fields["clause"] is not None and fields["phase"] is None:
            fields["phase"] = fields["clause"].phase
        claim, created = Claim.objects.get_or_create(statement=spec["statement"], defaults=fields)
        result.count("claims", created)
        if created:
            claim.subjects.set([parties[slug] for slug in spec["subjects"]])
        for passage_key, relation, note in spec["evidence"]:
            _, created = Evidence.objects.get_or_create(
                claim=claim,
                passage=passages[passage_key],
                defaults={"relation": relation, "note": note},
            )
            result.count("evidence", created)
        for from_status, to_status, note in spec.get("verification_changes", []):
            _, created = VerificationChange.objects.get_or_create(
                claim=claim, from_status=from_status, to_status=to_status, defaults={"note": note}
            )
            result.count("verification changes", created)


def load_assessments(deals: dict[str, Deal], parties: dict[str, Party], result: LoadResult) -> None:
    """The newsroom's demo assessments (demo/assessments.py), keyed by clause, party and
    date and created only when missing, like everything else in this module."""
    from . import assessments as demo_assessments

    deal = deals[demo_assessments.DEAL]
    for ref, party_slug, day, level, rationale, statements in demo_assessments.ASSESSMENTS:
        clause = deal.clauses.get(reference=ref)
        assessment, created = Assessment.objects.get_or_create(
            clause=clause,
            party=parties[party_slug],
            assessed_on=day,
            defaults={
                "level": level,
                "rationale": rationale,
                "is_published": True,
                "published_at": demo_assessments.PUBLISHED_AT[day],
            },
        )
        result.count("assessments", created)
        if created:
            assessment.claims.set(Claim.objects.filter(statement__in=statements, clause=clause))


def load_agreement(deals: dict[str, Deal], result: LoadResult) -> None:
    """The January deal's agreement text (the desk's outline) with every clause anchored in it.

    A clause already anchored is left as it is (an editor may have re-anchored it)."""
    spec = data.AGREEMENT
    deal = deals[spec["deal"]]
    text = canonicalize((DEMO_DIR / spec["file"]).read_text(encoding="utf-8"))
    source, revision = _text_source(spec["source"], text, result)
    _, created = AgreementText.objects.get_or_create(
        deal=deal, source=source, defaults={"role": spec["role"], "position": 1}
    )
    result.count("agreement texts", created)
    for reference, sentence in spec["clauses"].items():
        clause = deal.clauses.get(reference=reference)
        if ClauseAnchor.objects.filter(clause=clause).exists():
            continue
        start, end = passage_span(revision.text, sentence)
        passage, created = Passage.objects.get_or_create(
            source=source,
            quote=revision.text[start:end],
            defaults={
                "start": start,
                "end": end,
                "revision_anchored": revision,
                "revision_made": revision,
                "prefix": revision.text[max(0, start - CONTEXT_CHARS) : start],
                "suffix": revision.text[end : end + CONTEXT_CHARS],
            },
        )
        result.count("passages", created)
        ClauseAnchor.objects.create(clause=clause, passage=passage)
        result.count("clause anchors", True)
        if clause.text != passage.quote:
            # The clause's words are the agreement's (as an editor's anchoring sets them).
            clause.text = passage.quote
            clause.save(update_fields=["text"])


@transaction.atomic
def load_demo() -> LoadResult:
    result = LoadResult()
    parties = load_parties(result)
    deals = {spec["slug"]: load_deal(spec, parties, result) for spec in data.DEALS}
    source, revision = load_source(result)
    passages = load_passages(source, revision, result)
    load_claims(deals, parties, passages, result)
    load_assessments(deals, parties, result)
    load_agreement(deals, result)
    return result
