"""What the read API answers, as pydantic models: they validate every answer and
make the OpenAPI schema (/api/v1/schema/). Field names follow the deal JSON
(/deals/<slug>.json, dealtracker/interchange/exports.py): `url` is the page on the
site (for a source: the report's own address, its page on the site is `page`),
`api_url` the same thing in this API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

INTERNAL = "Internal note: null for anonymous clients."


class LooseDate(Schema):
    date: dt.date = Field(description="The first day of the period when the date is loose.")
    precision: str = Field(description="day, part_of_month, month or year.")
    display: str = Field(description="As the site shows it, e.g. “early February 2025”.")


class PartyRef(Schema):
    slug: str
    name: str
    short_name: str
    url: str
    api_url: str


class PartyOut(Schema):
    id: int
    slug: str
    name: str
    short_name: str
    kind: str
    aliases: list[str]
    description: str
    url: str
    api_url: str


class DealRef(Schema):
    slug: str
    title: str
    url: str
    api_url: str


class DealMember(Schema):
    party: PartyRef
    roles: list[str] = Field(description="signatory, mediator, guarantor or observer.")


class PhaseBrief(Schema):
    id: int
    order: int
    name: str
    status: str
    api_url: str


class DealOut(Schema):
    id: int
    slug: str
    title: str
    status: str
    summary: str
    date_agreed: LooseDate | None
    supersedes: DealRef | None
    answers: DealRef | None = Field(description="The deal this one is a counter-proposal to.")
    language: str
    updated_at: dt.datetime
    purpose: str | None
    stage: str | None
    form: str | None
    mediated: bool | None
    mechanisms: list[str]
    declared_on: dt.date | None
    effective_on: dt.date | None
    ended_on: dt.date | None
    parties: list[DealMember]
    phases: list[PhaseBrief]
    editor_note: str | None = Field(description=INTERNAL)
    url: str
    api_url: str
    clauses_api_url: str
    claims_api_url: str


class PhaseOut(Schema):
    id: int
    deal: DealRef
    order: int
    name: str
    description: str
    status: str
    planned_start: LooseDate | None
    planned_end: LooseDate | None
    actual_start: LooseDate | None
    actual_end: LooseDate | None
    url: str
    api_url: str


class Deadline(Schema):
    type: str = Field(description="date, or delay (after a phase's start or end).")
    date: dt.date | None = None
    precision: str | None = None
    display: str | None = None
    amount: int | None = None
    unit: str | None = None
    anchor: str | None = None
    phase: int | None = Field(None, description="The phase's order within the deal.")


class Due(Schema):
    date: dt.date
    precision: str
    display: str
    basis: str = Field(description="What the due date was computed from, in words.")
    planned: bool = Field(description="True when it rests on a planned (not actual) phase date.")


class Verbatim(Schema):
    source: int
    passage: int
    quote: str
    page: int | None
    anchor_status: str
    url: str


class ClauseOut(Schema):
    id: int
    deal: DealRef
    phase: int | None = Field(description="The phase's order within the deal; null: deal-wide.")
    reference: str
    position: int
    title: str
    text: str
    category: str
    obliged_parties: list[PartyRef]
    deadline: Deadline | None
    due: Due | None
    language: str
    verbatim: Verbatim | None = Field(description="Where its words stand in the agreement text.")
    url: str
    api_url: str


class SourceRef(Schema):
    id: int
    kind: str
    title: str
    outlet: str
    url: str = Field(description="The report's own address (empty when it has none).")
    published_on: dt.date | None
    page: str = Field(description="The source's reading view on the site.")
    api_url: str


class PassageOut(Schema):
    id: int
    start: int = Field(description="Offset in Unicode code points of the anchored revision.")
    end: int
    quote: str
    prefix: str
    suffix: str
    revision_made: int
    revision_anchored: int
    anchor_status: str
    page: int | None = Field(description="Page of the PDF or Word original, when it has pages.")
    url: str = Field(description="The passage in its source's reading view.")
    note: str | None = Field(description=INTERNAL)


class EvidenceOut(Schema):
    id: int
    relation: str = Field(description="states, supports, disputes or context.")
    note: str | None = Field(description=INTERNAL)
    passage: PassageOut
    source: SourceRef


class ClaimOut(Schema):
    id: int
    statement: str
    claimed_by: str
    claimant: PartyRef | None
    attribution: str
    subjects: list[PartyRef]
    deal: DealRef | None
    phase: int | None = Field(description="The phase's order within the deal.")
    clause: str | None = Field(description="The clause's reference within the deal.")
    kind: str
    compliance: str | None
    verification: str
    made_on: LooseDate | None
    published: bool = Field(description="False for a draft (never shown to anonymous clients).")
    published_at: dt.datetime | None
    updated_at: dt.datetime
    language: str
    evidence: list[EvidenceOut]
    url: str
    api_url: str


class AssessmentOut(Schema):
    id: int
    deal: DealRef
    clause: str = Field(description="The clause's reference within the deal.")
    clause_api_url: str
    party: PartyRef
    assessed_on: dt.date
    level: str = Field(description="not_started, minimal, intermediate or full.")
    rationale: str
    claims: list[int] = Field(description="Ids of the claims it cites that you may see.")
    published: bool
    published_at: dt.datetime | None
    url: str
    api_url: str


class Original(Schema):
    url: str
    filename: str
    content_type: str
    size: int
    sha256: str
    pages: int | None


class SourceOut(Schema):
    id: int
    kind: str
    title: str
    outlet: str
    author: str
    attribution: str
    url: str = Field(description="The report's own address (empty when it has none).")
    published_on: dt.date | None
    language: str
    updated_at: dt.datetime
    page: str = Field(description="The source's reading view on the site.")
    api_url: str


class SourceDetail(SourceOut):
    revision: int = Field(description="The number of the current revision of its text.")
    text: str = Field(description="The current revision's canonical text.")
    original: Original | None


class Page(Schema):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")
    next: str | None = Field(description="The next page's address; null on the last page.")


class DealPage(Page):
    items: list[DealOut]


class PhasePage(Page):
    items: list[PhaseOut]


class ClausePage(Page):
    items: list[ClauseOut]


class PartyPage(Page):
    items: list[PartyOut]


class ClaimPage(Page):
    items: list[ClaimOut]


class AssessmentPage(Page):
    items: list[AssessmentOut]


class SourcePage(Page):
    items: list[SourceOut]


class ApiError(Schema):
    error: str = Field(
        description="bad_parameter, not_found, authentication_required, token_invalid, "
        "token_revoked, forbidden, rate_limited, method_not_allowed or unavailable."
    )
    message: str = Field(description="What went wrong and what to do, in a sentence or two.")
    parameters: dict[str, list[str]] | None = Field(
        None, description="For bad_parameter: each refused parameter with why."
    )
