"""The pages the HTML and accessibility checks look at, for each role.

Every GET page of the URL walk (tests/trust/urlwalk.py, so a new view is
checked without anyone listing it here), filled from the demo deal — the
richest data the desk has: a contested matrix, assessments, internal notes,
drafts — plus the states a route alone does not reach: a search with results,
a filter the list refuses, the error pages.

One representative URL per URL pattern; the role decides which of them a
visitor can open (an anonymous visitor in public-read mode reads, an editor
also edits, an admin also restores).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dealtracker.claims.models import Assessment, Claim, Evidence, VerificationChange
from dealtracker.deals.models import Deal, Party
from dealtracker.sources.models import Passage, Source
from dealtracker.suggestions.models import SuggestedParty, Suggestion, SuggestionRun
from dealtracker.suggestions.services import RULES_VERSION
from tests.reviewing import build_flagged
from tests.trust.urlwalk import all_routes
from tests.trust.world import World, finished_job

ROLES = ("anonymous", "reader", "editor")
# HTMX endpoints that answer a fragment only, and need a parameter to answer at all:
# the query that makes them answer, from the world.
FRAGMENT_ENDPOINTS = {"party-pick": lambda world: f"?party={world.party.pk}"}
# Answers that are not pages: the checks skip these routes.
DATA_SUFFIXES = (".csv", ".json", ".jsonld", ".atom", ".svg", ".png", ".bib")
# Routes that answer something other than a page: a health check, a redirect, an
# icon, an original file (PDF, Word) as uploaded, oEmbed's JSON, the permalinks
# (redirects to pages that are checked at their own address).
NOT_PAGES = (
    "healthz",
    "logout",
    "favicon",
    "source-document",
    "oembed",
    "deal-permalink",
    "clause-permalink",
)


@dataclass(frozen=True)
class Page:
    name: str  # the URL pattern's name, or what the extra state is
    url: str
    method: str = "GET"
    status: int = 200
    roles: tuple[str, ...] = ROLES
    # False: the same markup as another page with other data (the HTML check reads it,
    # the slower accessibility check does not).
    axe: bool = True
    # An HTMX endpoint that answers only a fragment, even without HX-Request.
    fragment: bool = False

    def label(self, role: str) -> str:
        return f"{self.name} {self.method} {self.url} as {role}"


def demo_world(*, by) -> World:
    """The demo deal as a World for the URL walk, with the few things the demo lacks
    (a draft assessment, a verification change, a note on evidence) added, so that
    every kind of internal element is on the pages."""
    deal = Deal.objects.get(slug="gaza-ceasefire-2025")
    clause = deal.clauses.get(reference="1.2")  # contested, with assessments
    party = Party.objects.get(slug="israel")
    source = Source.objects.exclude(kind=Source.Kind.AGREEMENT_TEXT).get()  # the report
    passage = Passage.objects.filter(source=source).exclude(note="").order_by("id").first()
    claim = (
        Claim.objects.filter(is_published=True, evidence__passage=passage).order_by("id").first()
        or Claim.objects.filter(is_published=True, evidence__isnull=False).order_by("id").first()
    )
    evidence = Evidence.objects.filter(claim=claim).order_by("id").first()
    evidence.note = "Checked against the wire copy."
    evidence.save(update_fields=["note"])
    VerificationChange.objects.create(
        claim=claim,
        from_status=Claim.Verification.UNVERIFIED,
        to_status=claim.verification,
        note="A second source agrees.",
        changed_by=by,
    )
    draft_assessment = Assessment.objects.create(
        clause=clause,
        party=party,
        assessed_on=dt.date(2025, 5, 2),
        level=Assessment.Level.MINIMAL,
        rationale="Draft: waiting for a second source.",
        is_published=False,
        created_by=by,
    )
    draft_claim = Claim.objects.filter(is_published=False).order_by("id").first()
    revision = source.revisions.order_by("-number").first()
    sentence = "Meanwhile, the Israeli military campaign in Gaza presses on."
    at = revision.text.index(sentence)
    suggestion = Suggestion.objects.create(
        source=source,
        revision=revision,
        start=at,
        end=at + len(sentence),
        sentence=sentence,
        rank=1,
        score=4.5,
        deal=deal,
        clause=clause,
        kind=Claim.Kind.COMPLIANCE,
        compliance=Claim.Compliance.NOT_COMPLIED,
        statement="Israel's military campaign in Gaza goes on.",
        attribution="the report itself",
        reasons=["names a party and a term"],
    )
    SuggestedParty.objects.create(suggestion=suggestion, party=party, position=0, written="Israeli")
    SuggestionRun.objects.create(
        source=source, revision=revision, rules_version=RULES_VERSION, suggested=1
    )
    return World(
        deal=deal,
        other_deal=Deal.objects.get(slug="egypt-qatar-proposal-2025"),
        phase=deal.phases.get(order=1),
        clause=clause,
        party=party,
        other_party=Party.objects.get(slug="hamas"),
        source=source,
        revision=source.revisions.order_by("-number").first(),
        passage=passage,
        claim=claim,
        draft_claim=draft_claim,
        evidence=evidence,
        draft_evidence=Evidence.objects.filter(claim=draft_claim).first(),
        assessment=Assessment.objects.filter(is_published=True).order_by("id").first(),
        draft_assessment=draft_assessment,
        verification_change=VerificationChange.objects.filter(claim=claim).first(),
        suggestion=suggestion,
        # A second report, revised: a passage changed, one orphaned (the review queue's,
        # the revision page's character changes, the panel's review box).
        flagged_passage=build_flagged(by=by).envoy,
        job=finished_job(
            title="Revision of the report (source 1)",
            outcome="Revision 2 saved. Passages: 3 anchored, 0 moved, 0 changed, 0 orphaned.",
            revision=source.revisions.order_by("-number").first(),
            by=by,
        ),
    )


def _roles_for(access: str | None) -> tuple[str, ...]:
    if access == "reader" or access is None:
        return ROLES
    if access == "editor":
        return ("editor",)
    return ("admin",)


def pages(world: World) -> list[Page]:
    """One page per GET route of the walk, and the states no route reaches alone."""
    found = []
    for route in all_routes():
        methods = route.methods
        if methods is not None and "GET" not in methods:
            continue
        url = route.url(world)
        name = route.name.split(":")[-1]
        if url.endswith(DATA_SUFFIXES) or name in NOT_PAGES or route.access == "api":
            continue  # the read API answers JSON (its docs page, api:docs, is a page)
        roles = ("anonymous",) if name == "login" else _roles_for(route.access)
        if name in FRAGMENT_ENDPOINTS:
            url += FRAGMENT_ENDPOINTS[name](world)
            found.append(Page(name, url, roles=roles, axe=False, fragment=True))
            continue
        found.append(Page(name, url, roles=roles))
    deal = world.deal.slug
    flagged = world.flagged_passage
    if flagged is not None:
        found += [
            Page(
                "passage panel of a flagged passage",
                f"/sources/{flagged.source_id}/passages/{flagged.pk}/",
                roles=("editor",),
            ),
            Page("revision with changed passages", f"/sources/{flagged.source_id}/revisions/2/"),
            Page(
                "reading view with a lost passage",
                f"/sources/{flagged.source_id}/",
                roles=("editor",),
                axe=False,
            ),
        ]
    found += [
        Page("search with results", "/search/?q=ceasefire+hostages"),
        Page("claims list, filtered", f"/claims/?deal={deal}&compliance=not_complied", axe=False),
        Page("claims list, refused filter", "/claims/?deal=no-such-deal&made_from=soon"),
        Page("sources list, searched", "/sources/?q=hostages", axe=False),
        Page("deal as of a past day", f"/deals/{deal}/?as_of=2025-04-15", axe=False),
        Page("404 page", "/no-such-page/", status=404),
        Page("400 page", "/search/?q=%00", status=400),
        Page("405 page", "/deals/", method="POST", status=405),
        Page("403 page", "/sources/new/", status=403, roles=("reader",)),
    ]
    return found
