"""Facet counts of the claims list: how many of the listed claims assert each
compliance value, have each verification status and kind, were made by or are
about each party, and belong to each deal.

One query whatever the archive holds. It counts the newest FACET_SCAN claims
that match the list's filters (read through the list's own order and index),
so its cost is bounded: exact counts over a 200,000-claim archive take one to
two seconds with no filter, the newest 2,000 a few tens of milliseconds (figures
in the README, "Claims list facets"). Below FACET_SCAN matches — a deal, a
party, most filters — the counts are exact; above it the page says which claims
were counted. Parties and deals show the FACET_TOP largest, and how many others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import QuerySet

from dealtracker.db.prepared import PLANNED_EACH_TIME
from dealtracker.deals.models import Party

from .compliance import COMPLIANCE_ORDER
from .listing import ClaimFilters
from .models import ClaimKind, ClaimVerification

if TYPE_CHECKING:
    from .listing import Listed

FACET_SCAN = 2_000
FACET_TOP = 6

# `scan`: the newest FACET_SCAN + 1 matches (one more tells that there are more);
# `f`: the newest FACET_SCAN of them, the rows counted. Each branch reads `f`;
# parties and deals are joined after counting, and the largest FACET_TOP kept
# (ties by name); `count(*) OVER ()` on a grouped query is its number of groups,
# the "N others" of a facet. Only groups ranked within FACET_TOP by count (ties at
# the edge included, so the names can break them) are joined: joining every group
# read all 20,000 parties at scale 10 (4 of the query's 15 ms).
_FACETS_SQL = """
WITH scan AS MATERIALIZED ({scan}),
f AS MATERIALIZED (SELECT * FROM scan ORDER BY sort_date DESC, id DESC LIMIT {limit})
SELECT 'kind', kind, '', '', count(*), 0 FROM f GROUP BY kind
UNION ALL
SELECT 'compliance', compliance, '', '', count(*), 0 FROM f
 WHERE compliance <> '' GROUP BY compliance
UNION ALL
SELECT 'verification', verification, '', '', count(*), 0 FROM f GROUP BY verification
UNION ALL
(SELECT 'claimant', p.slug, p.name, p.short_name, g.n, g.groups FROM (
   SELECT claimant_id AS id, count(*) AS n, count(*) OVER () AS groups,
          rank() OVER (ORDER BY count(*) DESC) AS r
     FROM f WHERE claimant_id IS NOT NULL GROUP BY claimant_id
 ) g JOIN deals_party p ON p.id = g.id
  WHERE g.r <= {top} ORDER BY g.n DESC, p.name, p.id LIMIT {top})
UNION ALL
(SELECT 'subject', p.slug, p.name, p.short_name, g.n, g.groups FROM (
   SELECT s.party_id AS id, count(*) AS n, count(*) OVER () AS groups,
          rank() OVER (ORDER BY count(*) DESC) AS r
     FROM claims_claim_subjects s WHERE s.claim_id = ANY(ARRAY(SELECT id FROM f))
    GROUP BY s.party_id
 ) g JOIN deals_party p ON p.id = g.id
  WHERE g.r <= {top} ORDER BY g.n DESC, p.name, p.id LIMIT {top})
UNION ALL
(SELECT 'deal', d.slug, d.title, '', g.n, g.groups FROM (
   SELECT deal_id AS id, count(*) AS n, count(*) OVER () AS groups,
          rank() OVER (ORDER BY count(*) DESC) AS r
     FROM f WHERE deal_id IS NOT NULL GROUP BY deal_id
 ) g JOIN deals_deal d ON d.id = g.id
  WHERE g.r <= {top} ORDER BY g.n DESC, d.title, d.id LIMIT {top})
UNION ALL
SELECT 'total', '', '', '', count(*), 0 FROM scan
"""


@dataclass(frozen=True)
class FacetValue:
    value: str  # what the filter's query parameter takes: a vocabulary value or a slug
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    param: str  # the claims list's query parameter for this facet
    title: str
    values: list[FacetValue] = field(default_factory=list)
    others: int = 0  # values not shown (parties and deals beyond the largest)


@dataclass
class ClaimFacets:
    facets: list[Facet]
    counted: int  # claims counted (at most FACET_SCAN)
    capped: bool  # more matched: the counts are of the newest `scan`
    scan: int


def claim_facets(claims: QuerySet[Listed], *, filters: ClaimFilters) -> ClaimFacets:
    """Facet counts of `claims`, a `filtered_claims()` queryset in list order."""
    # Newest first whatever the list's order: "the newest N" is what the page says it counted.
    newest = claims.order_by("-sort_date", "-id").values(
        "id", "sort_date", "kind", "compliance", "verification", "claimant_id", "deal_id"
    )
    scan_sql, params = newest[: FACET_SCAN + 1].query.sql_with_params()
    sql = _FACETS_SQL.format(scan=scan_sql, limit=int(FACET_SCAN), top=int(FACET_TOP))
    if params:
        # Planned for its filters every time: a generic plan scanned the largest deal's
        # claims three times slower (dealtracker/db/prepared.py). Without a value (the
        # whole list) there is nothing to plan for: PostgreSQL keeps its one plan, and
        # the list no longer spends 2.3 ms planning it at every request.
        sql = PLANNED_EACH_TIME + sql
    with connections[claims.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    counts: dict[str, dict[str, int]] = {}
    names: dict[str, dict[str, str]] = {}
    groups: dict[str, int] = {}
    total = 0
    for facet, value, name, short_name, n, group_count in rows:
        if facet == "total":
            total = n
            continue
        counts.setdefault(facet, {})[value] = n
        names.setdefault(facet, {})[value] = (
            Party(name=name, short_name=short_name).label if facet != "deal" else name
        )
        groups[facet] = group_count

    def vocabulary(param: str, title: str, order, current: str) -> Facet:
        found = counts.get(param, {})
        values = [
            FacetValue(choice.value, choice.label, found[choice.value], choice.value == current)
            for choice in order
            if choice.value in found
        ]
        return Facet(param, title, values)

    def largest(param: str, title: str, current: str | None) -> Facet:
        found = counts.get(param, {})
        # In the query's order: largest first, ties by name.
        values = [
            FacetValue(slug, names[param][slug], n, slug == current) for slug, n in found.items()
        ]
        return Facet(param, title, values, max(0, groups.get(param, 0) - len(values)))

    facets = [
        vocabulary("compliance", "Asserted compliance", COMPLIANCE_ORDER, filters.compliance),
        vocabulary("verification", "Verification", ClaimVerification, filters.verification),
        vocabulary("kind", "Kind", ClaimKind, filters.kind),
        largest("claimant", "Claimed by", filters.claimant.slug if filters.claimant else None),
        largest("subject", "About", filters.subject.slug if filters.subject else None),
        largest("deal", "Deal", filters.deal.slug if filters.deal else None),
    ]
    return ClaimFacets(
        facets=facets, counted=min(total, FACET_SCAN), capped=total > FACET_SCAN, scan=FACET_SCAN
    )
