"""Evidence as W3C Web Annotations (JSON-LD).

One annotation per evidence link: the claim is the body (a TextualBody with
the statement, whose id is the claim's page), the passage is the target: the
source with a TextQuoteSelector and a TextPositionSelector (Unicode code
points into the anchored revision's text, as the model counts) and a TimeState
whose `cached` copy is that revision. On a source read from a PDF or Word
original, a third selector names the page, as the Web Annotation model allows
for PDF: a FragmentSelector `page=N` (RFC 3778) refined by the quote within it.
The revision the passage was first marked
on, the evidence relation and the anchoring status are extra terms in our own
context (documented on /data/).

Collections: a source's annotations are one AnnotationCollection with its only
page embedded; the whole database is an AnnotationCollection whose pages cover
fixed ranges of evidence ids (page N: ids N*size+1 .. (N+1)*size), so a page's
address always means the same rows, needs no OFFSET and no COUNT(*); a page may
hold fewer items than the size (deleted evidence, drafts hidden from public
visitors) and the `next` links still lead through every page. For the same
reason the collection states no `total` (optional in the model) and pages no
`startIndex`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims.models import Evidence
from dealtracker.db.statements import compiled, compiled_first
from dealtracker.sources.models import Source

from .exports import absolute, site_url

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
PAGE_SIZE = 100
# The PDF fragment identifiers (page=N), as the Web Annotation model names them.
PDF_FRAGMENT = "http://tools.ietf.org/rfc/rfc3778"

# Our own terms, under the data dictionary's address.
MOTIVATION = "describing"


def extra_context() -> dict[str, Any]:
    base = absolute(reverse("desk:data-dictionary")) + "#annotation-"
    return {
        "dt": base,
        "relation": "dt:relation",
        "anchorStatus": "dt:anchorStatus",
        "revisionMade": {"@id": "dt:revisionMade", "@type": "@id"},
        "claimStatus": "dt:claimStatus",
    }


def revision_url(revision) -> str:
    """A revision's page: /sources/<id>/revisions/<n>/ (DESIGN.md's address map)."""
    return site_url("desk:source-revision", pk=revision.source_id, number=revision.number)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def annotation_evidence(evidence: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """The joins an annotation needs: claim, passage, its revisions and source —
    without the texts of the source and its revisions (kilobytes per row)."""
    return evidence.select_related(
        "claim",
        "passage__source",
        "passage__revision_made",
        "passage__revision_anchored",
    ).only(
        "id",
        "relation",
        "created_at",
        "updated_at",
        "claim__id",
        "claim__statement",
        "claim__language",
        "claim__verification",
        "claim__updated_at",
        "passage__id",
        "passage__start",
        "passage__end",
        "passage__quote",
        "passage__prefix",
        "passage__suffix",
        "passage__anchor_status",
        "passage__source__id",
        "passage__revision_made__id",
        "passage__revision_made__source_id",
        "passage__revision_made__number",
        "passage__revision_anchored__id",
        "passage__revision_anchored__source_id",
        "passage__revision_anchored__number",
        "passage__revision_anchored__created_at",
        "passage__revision_anchored__page_starts",
    )


def visible_evidence(*, user) -> QuerySet[Evidence]:
    """Evidence of the claims the user may see (public visitors: published claims only)."""
    return _evidence_seen(drafts=sees_drafts(user))


def _evidence_seen(*, drafts: bool) -> QuerySet[Evidence]:
    evidence = Evidence.objects.all()
    if not drafts:
        evidence = evidence.filter(claim__is_published=True)
    return evidence


def annotation_id(evidence: Evidence) -> str:
    return site_url("desk:claim-detail", pk=evidence.claim_id) + f"#evidence-{evidence.pk}"


def annotation(evidence: Evidence, *, with_context: bool = True) -> dict[str, Any]:
    """One evidence link as a W3C Web Annotation."""
    claim = evidence.claim
    passage = evidence.passage
    source = passage.source
    anchored = passage.revision_anchored
    quote_selector = {
        "type": "TextQuoteSelector",
        "exact": passage.quote,
        "prefix": passage.prefix,
        "suffix": passage.suffix,
    }
    selectors: list[dict[str, Any]] = [
        quote_selector,
        {"type": "TextPositionSelector", "start": passage.start, "end": passage.end},
    ]
    page = anchored.page_at(passage.start)
    if page is not None:
        selectors.append(
            {
                "type": "FragmentSelector",
                "conformsTo": PDF_FRAGMENT,
                "value": f"page={page}",
                "refinedBy": dict(quote_selector),
            }
        )
    data: dict[str, Any] = {}
    if with_context:
        data["@context"] = [ANNO_CONTEXT, extra_context()]
    data.update(
        {
            "id": annotation_id(evidence),
            "type": "Annotation",
            "motivation": MOTIVATION,
            "created": _iso(evidence.created_at),
            "modified": _iso(max(evidence.updated_at, claim.updated_at)),
            "generator": {
                "id": absolute("/"),
                "type": "Software",
                "name": "dealtracker",
            },
            "relation": evidence.relation,
            "body": {
                "id": site_url("desk:claim-detail", pk=claim.pk),
                "type": "TextualBody",
                "value": claim.statement,
                "format": "text/plain",
                "language": claim.language,
                "claimStatus": claim.verification,
            },
            "target": {
                "type": "SpecificResource",
                "source": site_url("desk:source-detail", pk=source.pk),
                "state": {
                    "type": "TimeState",
                    "cached": revision_url(anchored),
                    "sourceDate": _iso(anchored.created_at),
                },
                "selector": selectors,
                "anchorStatus": passage.anchor_status,
                "revisionMade": revision_url(passage.revision_made),
            },
        }
    )
    return data


def source_collection(source: Source, *, user) -> dict[str, Any]:
    """Every annotation on one source, as a collection with its single page embedded."""
    evidence = annotation_evidence(
        visible_evidence(user=user).filter(passage__source=source)
    ).order_by("id")
    items = [annotation(e, with_context=False) for e in evidence]
    collection_id = absolute(reverse("desk:source-annotations", kwargs={"pk": source.pk}))
    return {
        "@context": [ANNO_CONTEXT, extra_context()],
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Evidence marked in “{source.title}”",
        "total": len(items),
        "first": {
            "id": collection_id + "#page-0",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def _collection_url() -> str:
    return absolute(reverse("desk:annotations"))


def _page_url(number: int) -> str:
    return f"{_collection_url()}?page={number}"


def last_page_number(*, size: int = PAGE_SIZE) -> int:
    """The page holding the highest evidence id (0 when there is none)."""
    top = compiled_first("annotations.top", _newest_evidence_id) or 0
    return max(top - 1, 0) // size


def _newest_evidence_id() -> QuerySet:
    return Evidence.objects.order_by("-id").values_list("id", flat=True)


def database_collection(*, size: int = PAGE_SIZE) -> dict[str, Any]:
    """The whole database's annotations: the collection, pointing at its first and last pages."""
    last = last_page_number(size=size)
    return {
        "@context": [ANNO_CONTEXT, extra_context()],
        "id": _collection_url(),
        "type": "AnnotationCollection",
        "label": "Every evidence link in dealtracker",
        "first": _page_url(0),
        "last": _page_url(last),
    }


def database_page(number: int, *, user, size: int = PAGE_SIZE) -> dict[str, Any] | None:
    """Page `number` of the whole database's annotations; None past the last page."""
    last = last_page_number(size=size)
    if number < 0 or number > last:
        return None
    # Compiled once (db/statements.py): 25 columns of five tables took Django longer to
    # compile than PostgreSQL to run.
    drafts = sees_drafts(user)
    evidence = compiled(
        ("annotations.database_page", drafts),
        partial(_page_evidence, drafts=drafts),
        low=number * size,
        high=(number + 1) * size,
    )
    page: dict[str, Any] = {
        "@context": [ANNO_CONTEXT, extra_context()],
        "id": _page_url(number),
        "type": "AnnotationPage",
        "partOf": {"id": _collection_url(), "type": "AnnotationCollection"},
        "items": [annotation(e, with_context=False) for e in evidence],
    }
    if number > 0:
        page["prev"] = _page_url(number - 1)
    if number < last:
        page["next"] = _page_url(number + 1)
    return page


def _page_evidence(*, low: int, high: int, drafts: bool) -> QuerySet[Evidence]:
    """The evidence of a page of the whole database's annotations: ids in (low, high]."""
    return annotation_evidence(
        _evidence_seen(drafts=drafts).filter(id__gt=low, id__lte=high)
    ).order_by("id")
