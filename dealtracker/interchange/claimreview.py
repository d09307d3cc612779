"""schema.org ClaimReview for claims whose verification the newsroom has decided.

Fact-check search engines read a ClaimReview block on the claim's page: what is
claimed (claimReviewed), the verdict (reviewRating with an alternateName), who
reviewed it (the newsroom), when, and who made the claim and where it first
appeared (the source of its first evidence). Only published claims that are
corroborated, disputed or refuted get one; an undecided or draft claim has none.
Links are absolute, from settings.SITE_URL.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.models import Claim, ClaimVerification

from .exports import absolute

# The rating scale: 1 refuted (false), 2 disputed, 3 corroborated (true).
RATING_VALUE: dict[str, int] = {
    ClaimVerification.REFUTED: 1,
    ClaimVerification.DISPUTED: 2,
    ClaimVerification.CORROBORATED: 3,
}
BEST_RATING = 3
WORST_RATING = 1

# json_script's escapes: the JSON cannot close the <script> element or open a comment.
_HTML_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def has_claim_review(claim: Claim) -> bool:
    """A claim carries ClaimReview when it is published and its verification is decided."""
    return claim.is_published and claim.verification in RATING_VALUE


def _claim_author(claim: Claim) -> dict[str, Any]:
    """Who made the claim: the claimant party, else the free-text attribution."""
    party = claim.claimant  # no query when claimant_id is None
    if party is not None:
        kind = "Organization"
        author: dict[str, Any] = {
            "@type": kind,
            "name": party.name,
            "url": absolute(party.get_absolute_url()),
        }
        if claim.attribution:
            author["description"] = claim.attribution
        return author
    return {"@type": "Person", "name": claim.attribution or "unattributed"}


def _first_appearance(claim: Claim) -> dict[str, Any] | None:
    """The source where the claim first appears: the earliest-dated source of its evidence."""
    sources = [item.passage.source for item in claim.evidence.all()]
    if not sources:
        return None
    source = min(sources, key=lambda s: (s.published_on is None, s.published_on or 0, s.pk))
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": source.title}
    work["url"] = source.url or absolute(source.get_absolute_url())
    if source.outlet:
        work["publisher"] = {"@type": "Organization", "name": source.outlet}
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    return work


def review_date(claim: Claim):
    """When the verdict was given: the last verification change, else publication."""
    changes = [c.changed_at for c in claim.verification_changes.all()]
    when = max(changes) if changes else (claim.published_at or claim.updated_at)
    return when


def claim_review(claim: Claim) -> dict[str, Any] | None:
    """The ClaimReview of a claim as a dict, or None when the claim must not carry one.

    Pass a claim with claimant, evidence→passage→source and verification_changes loaded.
    """
    if not has_claim_review(claim):
        return None
    url = absolute(claim.get_absolute_url())
    item: dict[str, Any] = {"@type": "Claim", "author": _claim_author(claim)}
    if claim.made_on:
        item["datePublished"] = claim.made_on.isoformat()
    appearance = _first_appearance(claim)
    if appearance:
        item["firstAppearance"] = appearance
        item["appearance"] = [appearance]
    newsroom = {"@type": "Organization", "name": settings.NEWSROOM_NAME, "url": absolute("/")}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.statement,
        "itemReviewed": item,
        "author": newsroom,
        "datePublished": review_date(claim).date().isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUE[claim.verification],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": claim.get_verification_display(),
        },
    }


def claim_review_script(claim: Claim) -> SafeString:
    """A <script type="application/ld+json"> block, or "" when the claim has no review.

    A JSON-LD block is data (never run, so CSP lets it be); the JSON is escaped
    like json_script so that no text in it can end the element.
    """
    review = claim_review(claim)
    if review is None:
        return mark_safe("")
    text = json.dumps(review, ensure_ascii=False, sort_keys=True).translate(_HTML_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
