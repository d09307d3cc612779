"""A small world with one of everything a URL can name, built straight with the ORM.

The URL walk, the public-read leak test and the hostile-input test all use it:
`build_world(text=...)` fills every displayed field from a function of the
field's name, so the hostile test can put an attack into each of them and the
leak test can plant a marker in every draft and internal note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from dealtracker.claims.models import Assessment, Claim, Evidence, VerificationChange
from dealtracker.deals.models import Clause, Deal, DealParty, Party, Phase
from dealtracker.sources.canonical import canonicalize, text_hash
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.suggestions.models import SuggestedParty, Suggestion, SuggestionRun
from dealtracker.suggestions.services import RULES_VERSION
from dealtracker.tasks.models import Job

# Markers for what public visitors must never see (DESIGN.md: drafts, internal notes).
SECRET_MARKERS = {
    "draft_claim": "ZQDRAFTCLAIMZQ",
    "draft_claim_attribution": "ZQDRAFTATTRIBZQ",
    "draft_assessment": "ZQDRAFTASSESSMENTZQ",
    "passage_note": "ZQPASSAGENOTEZQ",
    "evidence_note": "ZQEVIDENCENOTEZQ",
    "verification_note": "ZQVERIFNOTEZQ",
    "deal_editor_note": "ZQDEALNOTEZQ",
    # Suggestions are for editors only: not even readers see them.
    "suggestion": "ZQSUGGESTIONZQ",
}
# A word next to each marker that search can find it by (searching the marker itself
# would only find the search box echoing it).
SEARCH_WORDS = {name: "zqfind" + name.replace("_", "") for name in SECRET_MARKERS}


def secret(name: str) -> str:
    return f"{SEARCH_WORDS[name]} {SECRET_MARKERS[name]}"


@dataclass
class World:
    deal: Deal
    other_deal: Deal
    phase: Phase
    clause: Clause
    party: Party
    other_party: Party
    source: Source
    revision: SourceRevision
    passage: Passage
    claim: Claim
    draft_claim: Claim
    evidence: Evidence
    draft_evidence: Evidence
    assessment: Assessment
    draft_assessment: Assessment
    verification_change: VerificationChange
    suggestion: Suggestion
    # A passage a revision flagged for review (the page checks' world has one).
    flagged_passage: Passage | None = None
    # A job the task queue ran for the world's editor (its page is theirs and admins').
    job: Job | None = None


def finished_job(*, title: str, outcome: str, revision: SourceRevision, by) -> Job:
    """A revision queued by `by` and done, as the task queue leaves it."""
    now = timezone.now()
    return Job.objects.create(
        kind="source-revise",
        title=title,
        status=Job.Status.DONE,
        attempts=2,
        note="Attempt 1 stopped with its worker; nothing of it was kept.",
        outcome=outcome,
        result_url=revision.get_absolute_url(),
        created_by=by,
        started_at=now,
        finished_at=now,
    )


def plain(field: str) -> str:
    return f"Sample {field.replace('_', ' ')}"


def build_world(
    *,
    text: Callable[[str], str] = plain,
    url: str = "https://news.example.org/report",
    by=None,
) -> World:
    """One deal (and a counter-proposal), a phase, a clause, two parties, a source with a
    passage, a published and a draft claim resting on it, two assessments."""
    now = timezone.now()
    party = Party.objects.create(
        name=text("party_name")[:200],
        short_name=text("party_short")[:60],
        slug="israel",
        kind=Party.Kind.STATE,
        aliases=[text("party_alias")[:200]],
        description=text("party_description"),
    )
    other_party = Party.objects.create(
        name=text("other_party_name")[:200], slug="hamas", kind=Party.Kind.ARMED_GROUP
    )
    deal = Deal.objects.create(
        title=text("deal_title")[:300],
        slug="gaza-ceasefire-2025",
        status=Deal.Status.IN_FORCE,
        summary=text("deal_summary"),
        date_agreed=dt.date(2025, 1, 15),
        editor_note=text("deal_editor_note") + " " + secret("deal_editor_note"),
    )
    other_deal = Deal.objects.create(
        title=text("other_deal_title")[:300],
        slug="egypt-qatar-proposal",
        status=Deal.Status.PROPOSED,
        answers=deal,
    )
    DealParty.objects.create(deal=deal, party=party, role=DealParty.Role.SIGNATORY)
    DealParty.objects.create(deal=deal, party=other_party, role=DealParty.Role.SIGNATORY)
    phase = Phase.objects.create(
        deal=deal,
        order=1,
        name=text("phase_name")[:200],
        description=text("phase_description"),
        planned_start=dt.date(2025, 1, 19),
        planned_end=dt.date(2025, 3, 1),
    )
    clause = Clause.objects.create(
        deal=deal,
        phase=phase,
        reference="1.1",
        title=text("clause_title")[:300],
        text=text("clause_text"),
        category=Clause.Category.HOSTILITIES,
    )
    clause.obliged_parties.add(party, other_party)

    body = canonicalize(
        f"{text('source_text_intro')}\n\nThe envoy said the ceasefire holds. "
        f"{text('source_text_quote')} Officials disagreed.\n\n{text('source_text_end')}"
    )
    source = Source.objects.create(
        title=canonicalize(text("source_title"))[:500],
        outlet=text("source_outlet")[:200],
        author=text("source_author")[:200],
        attribution=text("source_attribution"),
        url=url,
        published_on=dt.date(2025, 2, 11),
        text=body,
        text_hash=text_hash(body),
        created_by=by,
    )
    revision = SourceRevision.objects.create(
        source=source, number=1, text=body, text_hash=text_hash(body), created_by=by
    )
    # The original file, named as the (possibly hostile) title: it reaches a header.
    from dealtracker.sources.models import SourceDocument
    from dealtracker.sources.services import document_store

    stored = document_store(
        data=b"%PDF-1.4\n% the world's original of source " + str(source.pk).encode() + b"\n",
        filename=f"{text('source_title')[:100]}.pdf",
        fmt="pdf",
        page_count=1,
    )
    SourceDocument.objects.create(
        source=source,
        revision=revision,
        storage_name=stored.storage_name,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        page_count=1,
        created_by=by,
    )
    start = body.index("The envoy said")
    end = start + len("The envoy said the ceasefire holds.")
    passage = Passage.objects.create(
        source=source,
        start=start,
        end=end,
        quote=body[start:end],
        prefix=body[max(0, start - 32) : start],
        suffix=body[end : end + 32],
        revision_made=revision,
        revision_anchored=revision,
        note=text("passage_note") + " " + secret("passage_note"),
        created_by=by,
    )
    sentence = "Officials disagreed."
    at = body.index(sentence)
    suggestion = Suggestion.objects.create(
        source=source,
        revision=revision,
        start=at,
        end=at + len(sentence),
        sentence=sentence,
        rank=1,
        score=4.5,
        deal=deal,
        phase=phase,
        clause=clause,
        kind=Claim.Kind.COMPLIANCE,
        compliance=Claim.Compliance.NOT_COMPLIED,
        statement=text("suggestion_statement"),
        attribution=text("suggestion_attribution")[:500],
        reasons=[text("suggestion_reason") + " " + secret("suggestion")],
    )
    SuggestedParty.objects.create(
        suggestion=suggestion, party=party, position=0, written=text("suggestion_written")[:200]
    )
    SuggestionRun.objects.create(
        source=source, revision=revision, rules_version=RULES_VERSION, suggested=1
    )
    claim = Claim.objects.create(
        statement=text("claim_statement"),
        claimant=other_party,
        attribution=text("claim_attribution")[:500],
        deal=deal,
        phase=phase,
        clause=clause,
        kind=Claim.Kind.COMPLIANCE,
        compliance=Claim.Compliance.NOT_COMPLIED,
        made_on=dt.date(2025, 2, 10),
        is_published=True,
        published_at=now,
        created_by=by,
    )
    claim.subjects.add(party)
    draft_claim = Claim.objects.create(
        statement=text("draft_claim_statement") + " " + secret("draft_claim"),
        attribution=secret("draft_claim_attribution"),
        deal=deal,
        clause=clause,
        kind=Claim.Kind.COMPLIANCE,
        compliance=Claim.Compliance.COMPLIED,
        made_on=dt.date(2025, 2, 12),
        is_published=False,
        created_by=by,
    )
    draft_claim.subjects.add(party)
    evidence = Evidence.objects.create(
        claim=claim,
        passage=passage,
        note=text("evidence_note") + " " + secret("evidence_note"),
        created_by=by,
    )
    draft_evidence = Evidence.objects.create(
        claim=draft_claim, passage=passage, relation=Evidence.Relation.DISPUTES, created_by=by
    )
    verification_change = VerificationChange.objects.create(
        claim=claim,
        from_status=Claim.Verification.UNVERIFIED,
        to_status=Claim.Verification.DISPUTED,
        note=text("verification_note") + " " + secret("verification_note"),
        changed_by=by,
    )
    claim.verification = Claim.Verification.DISPUTED
    claim.save(update_fields=["verification", "updated_at"])
    assessment = Assessment.objects.create(
        clause=clause,
        party=party,
        assessed_on=dt.date(2025, 2, 20),
        level=Assessment.Level.MINIMAL,
        rationale=text("assessment_rationale"),
        is_published=True,
        published_at=now,
        created_by=by,
    )
    assessment.claims.add(claim)
    draft_assessment = Assessment.objects.create(
        clause=clause,
        party=other_party,
        assessed_on=dt.date(2025, 2, 21),
        level=Assessment.Level.FULL,
        rationale=text("draft_assessment_rationale") + " " + secret("draft_assessment"),
        is_published=False,
        created_by=by,
    )
    return World(
        deal=deal,
        other_deal=other_deal,
        phase=phase,
        clause=clause,
        party=party,
        other_party=other_party,
        source=source,
        revision=revision,
        passage=passage,
        claim=claim,
        draft_claim=draft_claim,
        evidence=evidence,
        draft_evidence=draft_evidence,
        assessment=assessment,
        draft_assessment=draft_assessment,
        verification_change=verification_change,
        suggestion=suggestion,
        job=finished_job(
            title=text("job_title")[:300], outcome=text("job_outcome"), revision=revision, by=by
        ),
    )
