"""What the reading pages offer for reuse outside the desk: "Cite this" (a deal, a
clause, a claim), "Embed" (the iframe code of a widget) and chart downloads.

The forms of a citation are written by dealtracker/publishing/citations.py; here
the desk gathers what they are made from. Citations and embeds show published
content only: they are read by people outside the newsroom, through permalinks
built from ids (/d/<id>/, /c/<id>/, /claims/<id>/), so they survive a deal or
clause being renamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from dealtracker.claims.models import Claim
from dealtracker.claims.queries import (
    claim_last_updated,
    clause_last_updated,
    deal_last_updated,
)
from dealtracker.deals.models import Clause, Deal
from dealtracker.desk.matrix import MATRIX_ROWS
from dealtracker.interchange.exports import absolute
from dealtracker.publishing import citations
from dealtracker.publishing.citations import Citable


def public() -> AnonymousUser:
    """Whom citations and embeds are rendered for: a public visitor (published content)."""
    return AnonymousUser()


# --- Cite this ----------------------------------------------------------------------


def deal_permalink(deal: Deal) -> str:
    return absolute(reverse("desk:deal-permalink", kwargs={"pk": deal.pk}))


def clause_permalink(clause: Clause) -> str:
    return absolute(reverse("desk:clause-permalink", kwargs={"pk": clause.pk}))


def claim_permalink(claim: Claim) -> str:
    return absolute(reverse("desk:claim-detail", kwargs={"pk": claim.pk}))


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deal_citable(deal: Deal, *, today: dt.date) -> Citable:
    return Citable(
        key=f"dealtracker-deal-{deal.pk}",
        title=deal.title,
        description="deal tracker",
        outlet=settings.NEWSROOM_NAME,
        updated=_local_day(deal_last_updated(deal=deal, user=public())),
        accessed=today,
        url=deal_permalink(deal),
    )


def clause_citable(clause: Clause, *, today: dt.date) -> Citable:
    return Citable(
        key=f"dealtracker-clause-{clause.pk}",
        title=f"Clause {clause.reference}: {clause.title}",
        description=f"clause of {clause.deal.title}",
        outlet=settings.NEWSROOM_NAME,
        updated=_local_day(clause_last_updated(clause=clause, user=public())),
        accessed=today,
        url=clause_permalink(clause),
    )


def claim_citable(claim: Claim, *, today: dt.date) -> Citable:
    """A published claim (a draft is not cited: its address answers only the newsroom)."""
    deal = claim.deal or (claim.clause.deal if claim.clause_id else None)
    on = f", on {deal.title}" if deal else ""
    return Citable(
        key=f"dealtracker-claim-{claim.pk}",
        title=claim.statement,
        description=f"claim by {claim.claimed_by}{on}",
        outlet=settings.NEWSROOM_NAME,
        updated=_local_day(claim_last_updated(claim=claim)),
        accessed=today,
        url=claim_permalink(claim),
    )


@dataclass(frozen=True)
class Citation:
    """A citation as the "Cite this" box shows it, with its downloads."""

    citable: Citable
    bibtex_url: str
    csl_url: str
    what: str  # "deal", "clause", "claim"

    @property
    def sentence(self) -> str:
        return citations.sentence(self.citable)

    @property
    def apa(self) -> citations.Apa:
        return citations.apa(self.citable)

    @property
    def bibtex(self) -> str:
        return citations.bibtex(self.citable)


def deal_citation(deal: Deal, *, today: dt.date) -> Citation:
    return Citation(
        deal_citable(deal, today=today),
        reverse("desk:deal-cite-bib", kwargs={"slug": deal.slug}),
        reverse("desk:deal-cite-csl", kwargs={"slug": deal.slug}),
        "deal",
    )


def clause_citation(clause: Clause, *, today: dt.date) -> Citation:
    kwargs = {"slug": clause.deal.slug, "ref": clause.reference}
    return Citation(
        clause_citable(clause, today=today),
        reverse("desk:clause-cite-bib", kwargs=kwargs),
        reverse("desk:clause-cite-csl", kwargs=kwargs),
        "clause",
    )


def claim_citation(claim: Claim, *, today: dt.date) -> Citation | None:
    if not claim.is_published:
        return None
    return Citation(
        claim_citable(claim, today=today),
        reverse("desk:claim-cite-bib", kwargs={"pk": claim.pk}),
        reverse("desk:claim-cite-csl", kwargs={"pk": claim.pk}),
        "claim",
    )


# --- Embeds -------------------------------------------------------------------------

# The width the embed code asks for at most (the iframe shrinks to a narrower column), and
# the heights the widgets take at the width of an article's column, 640 px: measured in
# Chromium (tests/browser/test_embeds.py holds each widget of the demo to its height).
EMBED_WIDTH = 960
EMBED_FRAME = 130  # heading, the "last updated" line and the link back, with margins


@dataclass(frozen=True)
class Embed:
    """One embeddable widget: where it is, what it is called, how big a frame it needs."""

    widget: str  # matrix, rollups, timeline, chart
    title: str
    path: str  # the embed's own address
    page_url: str  # the full page it stands for
    height: int
    width: int = EMBED_WIDTH
    svg_url: str = ""
    png_url: str = ""

    @property
    def src(self) -> str:
        return absolute(self.path)

    @property
    def iframe(self) -> str:
        """The code a newsroom pastes into a story (plain text: pages escape it again)."""
        return (
            f'<iframe src="{escape(self.src)}" title="{escape(self.title)}" '
            f'width="{self.width}" height="{self.height}" loading="lazy" '
            f'style="width:100%;max-width:{self.width}px;border:0"></iframe>'
        )

    @property
    def oembed_url(self) -> str:
        """The oEmbed address for this widget (for discovery links)."""
        return oembed_url(self.src)

    @property
    def dom_id(self) -> str:
        return f"embed-{self.widget}"


def matrix_embed(deal: Deal, *, rows: int, parties: int) -> Embed:
    # A row holds a clause's title and its cells' counts: two or three lines at 640 px.
    # The embed draws a page of MATRIX_ROWS rows, with a line above and its pages below.
    shown = min(rows, MATRIX_ROWS)
    table = 44 + shown * 66 + max(parties - 3, 0) * shown * 8
    if rows > MATRIX_ROWS:
        table += 100
    return Embed(
        "matrix",
        f"Who complies with what: {deal.title}",
        reverse("desk:embed-matrix", kwargs={"slug": deal.slug}),
        absolute(deal.get_absolute_url()) + "#matrix",
        height=EMBED_FRAME + 70 + table,
    )


def rollups_embed(deal: Deal, *, parties: int, phases: int) -> Embed:
    # Two tables (by party; by phase and the whole deal), one under the other at 640 px.
    tables = 2 * 80 + (parties + phases + 1) * 46
    return Embed(
        "rollups",
        f"Implementation record: {deal.title}",
        reverse("desk:embed-rollups", kwargs={"slug": deal.slug}),
        absolute(deal.get_absolute_url()) + "#record",
        height=EMBED_FRAME + 60 + tables,
        svg_url=reverse("desk:deal-rollups-svg", kwargs={"slug": deal.slug}),
        png_url=reverse("desk:deal-rollups-png", kwargs={"slug": deal.slug}),
    )


def timeline_embed(deal: Deal, *, svg_height: int | None) -> Embed:
    # The drawing is 960 units wide and scales to the frame; its key wraps under it.
    drawing = round((svg_height or 0) * 640 / 960) + 70 if svg_height else 40
    return Embed(
        "timeline",
        f"Timeline: {deal.title}",
        reverse("desk:embed-timeline", kwargs={"slug": deal.slug}),
        absolute(deal.get_absolute_url()) + "#timeline-h",
        height=EMBED_FRAME + drawing,
        svg_url=reverse("desk:deal-timeline-svg", kwargs={"slug": deal.slug}),
        png_url=reverse("desk:deal-timeline-png", kwargs={"slug": deal.slug}),
    )


def clause_chart_embed(clause: Clause, *, charts: int, parties: int) -> Embed:
    kwargs = {"slug": clause.deal.slug, "ref": clause.reference}
    return Embed(
        "chart",
        f"Clause {clause.reference}, {clause.title}: implementation over time",
        reverse("desk:embed-clause-chart", kwargs=kwargs),
        absolute(clause.get_absolute_url()) + "#assessments",
        height=EMBED_FRAME + 40 + charts * 150 + (parties - charts) * 50,
        svg_url=reverse("desk:clause-chart-svg", kwargs=kwargs),
        png_url=reverse("desk:clause-chart-png", kwargs=kwargs),
    )


def oembed_url(url: str) -> str:
    """The oEmbed address of a page or embed of this site (the discovery link's href)."""
    return absolute(reverse("desk:oembed")) + "?" + urlencode({"url": url, "format": "json"})


def deal_embeds(
    deal: Deal, *, rows: int, parties: int, rollup_rows: tuple[int, int], timeline
) -> dict[str, Embed]:
    """A deal's widgets as embeds, sized from what they hold: the matrix (rows and
    parties), the roll-ups (parties, phases) and the timeline (its drawing, if any)."""
    return {
        "matrix": matrix_embed(deal, rows=rows, parties=parties),
        "rollups": rollups_embed(deal, parties=rollup_rows[0], phases=rollup_rows[1]),
        "timeline": timeline_embed(deal, svg_height=timeline.height if timeline else None),
    }


# --- oEmbed: which widget an address stands for ----------------------------------------

# The pages and embeds oEmbed answers for, by URL name, with the widget each one gives.
OEMBED_TARGETS = {
    "desk:deal-detail": "matrix",
    "desk:deal-permalink": "matrix",
    "desk:embed-matrix": "matrix",
    "desk:embed-rollups": "rollups",
    "desk:embed-timeline": "timeline",
    "desk:clause-detail": "chart",
    "desk:clause-permalink": "chart",
    "desk:embed-clause-chart": "chart",
}


@dataclass(frozen=True)
class OEmbedTarget:
    widget: str
    kwargs: dict


def oembed_target(url: str, *, request_host: str) -> OEmbedTarget | None:
    """The widget an address on this site stands for, or None (another site, another page)."""
    parts = urlsplit(url)
    own_hosts = {urlsplit(settings.SITE_URL).netloc, request_host}
    if parts.scheme not in ("http", "https") or parts.netloc not in own_hosts:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    widget = OEMBED_TARGETS.get(match.view_name)
    return OEmbedTarget(widget, dict(match.kwargs)) if widget else None
