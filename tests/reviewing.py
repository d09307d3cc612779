"""A source revised so that passages are flagged for review, for the review tests."""

from __future__ import annotations

from dataclasses import dataclass

from dealtracker.claims.models import Claim, Evidence
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.passages import passage_mark
from dealtracker.sources.services import source_create, source_revise

# Paragraphs far enough apart (more than the 32 characters of context) that an edit in
# one leaves the others' context alone.
REPORT = (
    "Israel will release 33 hostages in the first phase of the deal, the mediators said on Sunday.\n"
    "White House advisor Gabe Witkoff cut off the talks after news of them became public last week.\n"
    "An aside that the corrected report drops altogether, with nothing like it left anywhere else.\n"
    "More than 50,000 Palestinians have died since the conflict escalated, health authorities say."
)
# "Gabe" corrected to "Steve", the aside dropped.
CORRECTED = (
    "Israel will release 33 hostages in the first phase of the deal, the mediators said on Sunday.\n"
    "White House advisor Steve Witkoff cut off the talks after news of them became public last week.\n"
    "More than 50,000 Palestinians have died since the conflict escalated, health authorities say."
)


@dataclass
class Flagged:
    source: Source
    revision: SourceRevision  # the current one (2)
    envoy: Passage  # changed ("Gabe" → "Steve"), flagged, a claim rests on it
    aside: Passage  # orphaned (its paragraph dropped), flagged, a claim rests on it
    figure: Passage  # moved, not flagged
    claims: dict[str, Claim]


def mark_words(source: Source, words: str, by=None) -> Passage:
    text = source.revisions.order_by("-number").first().text
    start = text.index(words)
    return passage_mark(source=source, start=start, end=start + len(words), by=by).passage


def build_flagged(*, by, text: str = REPORT, corrected: str = CORRECTED, title="Talks cut off"):
    source = source_create(text=text, title=title, by=by)
    envoy = mark_words(source, "Gabe Witkoff cut off the talks", by=by)
    aside = mark_words(source, "An aside that the corrected report drops altogether", by=by)
    figure = mark_words(source, "More than 50,000 Palestinians have died", by=by)
    claims = {}
    for name, passage in (("envoy", envoy), ("aside", aside)):
        claim = Claim.objects.create(statement=f"Claim on the {name}")
        Evidence.objects.create(claim=claim, passage=passage)
        claims[name] = claim
    outcome = source_revise(source=source, new_text=corrected, by=by)
    for passage in (envoy, aside, figure):
        passage.refresh_from_db()
    assert envoy.anchor_status == "changed" and envoy.needs_review
    assert aside.anchor_status == "orphaned" and aside.needs_review
    assert not figure.needs_review
    return Flagged(source, outcome.revision, envoy, aside, figure, claims)
