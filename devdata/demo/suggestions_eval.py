"""How well suggestions find the demo report's marked passages, and guess their claims.

The demo (data.py) is an editor's reading of the report: 19 marked passages
and the claims resting on them. The suggestions are computed for the report's
text as if it had just been added (no claim on it yet, no deal to lean on),
then compared with that reading:

- found: a marked passage is found when one of the top `k` suggested
  sentences overlaps its span;
- for each found passage, the best-ranked overlapping suggestion's guesses
  are compared with the claims linked to that passage: the clause guess is
  right when it is the clause of one of those claims (counted over passages
  whose claims name a clause), the party guess when its first party is a
  subject or claimant of one of them (over passages whose claims name a
  party), and likewise the deal, the claim kind and the compliance.

`manage.py suggestions_eval` prints these figures; tests/suggestions asserts
a floor under them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.suggestions.engine import Candidate, suggest

from . import data
from .load import passage_span, report_text


@dataclass
class Share:
    right: int = 0
    out_of: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.out_of += 1

    @property
    def value(self) -> float:
        return self.right / self.out_of if self.out_of else 0.0

    def __str__(self) -> str:
        return f"{self.right}/{self.out_of} = {self.value:.0%}"


@dataclass
class Evaluation:
    k: int
    suggested: int  # suggestions in all
    passages: int
    found: Share = field(default_factory=Share)
    found_at_passages: Share = field(default_factory=Share)  # top-N, N = number of passages
    precision: Share = field(default_factory=Share)  # top-k suggestions that are marked passages
    clause: Share = field(default_factory=Share)
    clause_spurious: Share = field(default_factory=Share)  # a clause guessed where none is
    party: Share = field(default_factory=Share)
    parties_exact: Share = field(default_factory=Share)
    deal: Share = field(default_factory=Share)
    kind: Share = field(default_factory=Share)
    compliance: Share = field(default_factory=Share)
    rows: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        shares = (
            "found found_at_passages precision clause clause_spurious party parties_exact deal kind compliance"
        ).split()
        out = {"k": self.k, "suggested": self.suggested, "passages": self.passages}
        for name in shares:
            share = getattr(self, name)
            out[name] = {"right": share.right, "out_of": share.out_of, "share": share.value}
        out["passages_detail"] = self.rows
        return out


def _overlaps(candidate: Candidate, start: int, end: int) -> bool:
    return candidate.start < end and start < candidate.end


def evaluate(*, k: int = 30) -> Evaluation:
    """Compare the suggestions for the demo report with its marked passages and claims."""
    text = report_text()
    candidates = suggest(text=text, language=data.SOURCE["language"])
    top = candidates[:k]
    spans = {key: passage_span(text, sentence) for key, (sentence, _) in data.PASSAGES.items()}
    n = len(spans)
    result = Evaluation(k=k, suggested=len(candidates), passages=n)

    parties = {p.slug: p.pk for p in Party.objects.filter(slug__in=list(data.PARTIES))}
    deals = {d.slug: d.pk for d in Deal.objects.filter(slug__in=[s["slug"] for s in data.DEALS])}
    clauses = {
        (c.deal.slug, c.reference): c.pk for c in Clause.objects.select_related("deal").all()
    }
    truth: dict[str, dict[str, set]] = {
        key: {
            "clauses": set(),
            "parties": set(),
            "deals": set(),
            "kinds": set(),
            "compliance": set(),
        }
        for key in spans
    }
    for claim in data.CLAIMS:
        for passage_key, _, _ in claim["evidence"]:
            row = truth[passage_key]
            if claim.get("clause"):
                row["clauses"].add(clauses[(claim["deal"], claim["clause"])])
            if claim.get("deal"):
                row["deals"].add(deals[claim["deal"]])
            row["parties"].update(parties[s] for s in claim["subjects"])
            if claim.get("claimant"):
                row["parties"].add(parties[claim["claimant"]])
            row["kinds"].add(claim["kind"])
            if claim.get("compliance"):
                row["compliance"].add(claim["compliance"])

    for candidate in top:
        result.precision.add(any(_overlaps(candidate, s, e) for s, e in spans.values()))
    for key, (start, end) in spans.items():
        hits = [c for c in top if _overlaps(c, start, end)]
        result.found.add(bool(hits))
        result.found_at_passages.add(any(_overlaps(c, start, end) for c in candidates[:n]))
        row = {"passage": key, "found": bool(hits)}
        if hits:
            best, want = hits[0], truth[key]
            row.update(
                rank=candidates.index(best) + 1,
                clause=best.clause_id,
                parties=best.party_ids,
                deal=best.deal_id,
                kind=best.kind,
            )
            if want["clauses"]:
                result.clause.add(best.clause_id in want["clauses"])
            else:
                result.clause_spurious.add(best.clause_id is not None)
            if want["parties"]:
                result.party.add(bool(best.party_ids) and best.party_ids[0] in want["parties"])
                result.parties_exact.add(set(best.party_ids) == want["parties"])
            if want["deals"]:
                result.deal.add(best.deal_id in want["deals"])
            result.kind.add(best.kind in want["kinds"])
            if want["compliance"]:
                result.compliance.add(best.compliance in want["compliance"])
        result.rows.append(row)
    return result
