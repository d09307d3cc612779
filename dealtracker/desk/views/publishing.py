"""Publishing: embeddable widgets, oEmbed, chart images, citations and permalinks.

- /embed/deals/<slug>/matrix/, .../rollups/, .../timeline/ and
  /embed/deals/<slug>/clauses/<ref>/chart/: a widget alone, for an iframe in a
  story. Published content only, whoever asks (a story's readers are the public);
  no navigation, no script; a link back to the full page and a "last updated"
  line. The only answers that may be framed, by the sites in
  settings.EMBED_ALLOWED_SITES; everything else says frame-ancestors 'none'.
- /oembed/?url=...: oEmbed (rich) for those widgets and the pages they stand for.
- .../timeline.svg, .png and the others: a chart as an image, the PNG rendered
  from the same SVG, with the source line and dates in the picture.
- .../cite.bib, .../cite.json: a citation as BibTeX and as CSL-JSON.
- /d/<id>/ and /c/<id>/: permalinks of a deal and a clause, which answer with a
  redirect to wherever the deal or clause is now.

Access is the reading pages': public in public-read mode, else for logged-in readers.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from dealtracker.claims import queries as claim_queries
from dealtracker.claims.compliance import compliance_matrix
from dealtracker.claims.models import Claim
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.models import Clause, Deal
from dealtracker.desk.matrix import MATRIX_ROWS, page_matrix
from dealtracker.desk.paging import paginate
from dealtracker.desk.timeline import phase_timeline
from dealtracker.publishing import citations
from dealtracker.publishing.images import CHART_CSS, CHART_CSS_HASH, png_from_svg

from .. import sharing
from ..access import reader_required
from ..charts import IMAGE_BOTTOM, place_step_charts, rollup_bars
from ..forms.publishing import OEmbedForm
from ..fragments import PageFragments, render_page
from ..record_context import clause_records, deal_records
from .pages import _get_clause, _get_deal

# --- embeds ---------------------------------------------------------------------------


def allow_framing(response: HttpResponse) -> HttpResponse:
    """Let the sites of EMBED_ALLOWED_SITES frame this answer (and nothing run in it)."""
    response._csp_replace = {  # read by django-csp's middleware
        "frame-ancestors": list(settings.EMBED_ALLOWED_SITES),
        "script-src": ["'none'"],
        "connect-src": ["'none'"],
        "form-action": ["'none'"],
    }
    # X-Frame-Options cannot name sites: frame-ancestors says who may frame it.
    response.xframe_options_exempt = True
    return response


def _embed(request: HttpRequest, template: str, build) -> HttpResponse:
    """An embed page, rendered for a public visitor whoever asks, kept in the page cache
    (templates/embed/base.html holds the `{% cache %}`)."""
    return allow_framing(render_page(request, template, PageFragments(request, build)))


def _deal_widgets(deal: Deal) -> dict:
    """What the deal's widgets show, as a public visitor sees it (published content)."""
    user = sharing.public()
    phases = deal_queries.phases_of_deal(deal=deal)
    clauses = deal_queries.clauses_of_deal(deal=deal)
    matrix = page_matrix(compliance_matrix(deal=deal, user=user, clauses=clauses, as_of=None))
    records = deal_records(
        deal=deal, clauses=clauses, phases=phases, as_of=None, user=user, matrix=matrix
    )
    return {**records, "deal": deal, "phases": phases, "matrix": matrix}


def _frame_context(deal: Deal, embed: sharing.Embed, heading: str) -> dict:
    return {
        "deal": deal,
        "embed": embed,
        "heading": heading,
        "outlet": settings.NEWSROOM_NAME,
        "updated": claim_queries.deal_last_updated(deal=deal, user=sharing.public()),
    }


def _deal_embeds(deal: Deal, context: dict, *, timeline=None) -> dict[str, sharing.Embed]:
    return sharing.deal_embeds(
        deal,
        rows=len(context["matrix"].rows),
        parties=len(context["matrix"].parties),
        rollup_rows=(len(context["rollup_parties"]), len(context["rollup_phases"])),
        timeline=timeline,
    )


@require_GET
@reader_required
def embed_matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """The compliance matrix of a deal, alone, MATRIX_ROWS clause rows at a time
    (?matrix_page=, as on the deal page): its page links stay in the frame."""
    deal = _get_deal(slug)

    def build() -> dict:
        context = _deal_widgets(deal)
        embed = _deal_embeds(deal, context)["matrix"]
        # The whole matrix is counted (its contested count is the deal's), a page drawn.
        paging = paginate(
            request, context["matrix"].rows, MATRIX_ROWS, "matrix_page", path=embed.path
        )
        return {
            **context,
            **_frame_context(deal, embed, "Who complies with what"),
            "matrix_paging": paging,
            "matrix_rows": list(paging.page.object_list),
        }

    return _embed(request, "embed/matrix.html", build)


@require_GET
@reader_required
def embed_rollups(request: HttpRequest, slug: str) -> HttpResponse:
    """How much of the deal the desk judges carried out: by party, by phase, overall."""
    deal = _get_deal(slug)

    def build() -> dict:
        context = _deal_widgets(deal)
        embed = _deal_embeds(deal, context)["rollups"]
        return {**context, **_frame_context(deal, embed, "Implementation record")}

    return _embed(request, "embed/rollups.html", build)


@require_GET
@reader_required
def embed_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """The deal's phases, planned against actual dates."""
    deal = _get_deal(slug)

    def build() -> dict:
        phases = deal_queries.phases_of_deal(deal=deal)
        timeline = phase_timeline(deal=deal, phases=phases, today=timezone.localdate())
        embed = sharing.timeline_embed(deal, svg_height=timeline.height if timeline else None)
        return {"timeline": timeline, **_frame_context(deal, embed, "Timeline")}

    return _embed(request, "embed/timeline.html", build)


def _clause_widget(clause: Clause) -> dict:
    records = clause_records(clause=clause, user=sharing.public())
    histories = records["histories"]
    embed = sharing.clause_chart_embed(
        clause, charts=sum(1 for h in histories if h.assessments), parties=len(histories)
    )
    return {**records, "clause": clause, "embed": embed}


@require_GET
@reader_required
def embed_clause_chart(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    """The step chart of a clause: each obliged party's implementation over time."""
    deal = _get_deal(slug)
    clause = _get_clause(deal, ref)

    def build() -> dict:
        context = _clause_widget(clause)
        return {
            **context,
            **_frame_context(deal, context["embed"], f"Clause {clause.reference}"),
            "updated": claim_queries.clause_last_updated(clause=clause, user=sharing.public()),
        }

    return _embed(request, "embed/chart.html", build)


# --- oEmbed ---------------------------------------------------------------------------


def _oembed_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _embed_for(target: sharing.OEmbedTarget) -> sharing.Embed | None:
    """The widget an oEmbed request names, sized from what it holds now."""
    kwargs = target.kwargs
    deal_filter = {"pk": kwargs["pk"]} if "pk" in kwargs else {"slug": kwargs.get("slug")}
    if target.widget == "chart":
        clauses = Clause.objects.select_related("deal", "phase")
        if "pk" in kwargs:
            clause = clauses.filter(pk=kwargs["pk"]).first()
        else:
            clause = clauses.filter(deal__slug=kwargs["slug"], reference=kwargs["ref"]).first()
        return _clause_widget(clause)["embed"] if clause else None
    deal = Deal.objects.filter(**deal_filter).first()
    if deal is None:
        return None
    if target.widget == "timeline":
        phases = deal_queries.phases_of_deal(deal=deal)
        timeline = phase_timeline(deal=deal, phases=phases, today=timezone.localdate())
        return sharing.timeline_embed(deal, svg_height=timeline.height if timeline else None)
    return _deal_embeds(deal, _deal_widgets(deal))[target.widget]


@require_GET
@reader_required
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed 1.0, type rich: the iframe of the widget a page or embed address stands for.

    A deal's page gives its matrix, a clause's page its step chart. Answers 404 for an
    address that is not one of those (or not on this site), 501 for a format other
    than JSON, 400 for a parameter that is not understood."""
    form = OEmbedForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return _oembed_error(400, f"Not understood: {problems}")
    if form.cleaned_data["format"] == "xml":
        return _oembed_error(501, "Only the JSON format is offered (format=json).")
    target = sharing.oembed_target(form.cleaned_data["url"], request_host=request.get_host())
    embed = _embed_for(target) if target else None
    if embed is None:
        return _oembed_error(404, "No embeddable deal, clause or widget at that address.")
    width = min(embed.width, form.cleaned_data["maxwidth"] or embed.width)
    height = min(embed.height, form.cleaned_data["maxheight"] or embed.height)
    embed = replace(embed, width=width, height=height)
    response = JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "title": embed.title,
            "provider_name": settings.NEWSROOM_NAME,
            "provider_url": settings.SITE_URL + "/",
            "html": embed.iframe,
            "width": width,
            "height": height,
            "cache_age": 3600,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    # CMSs fetch it from their servers, editors' browsers from their pages.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- chart images ---------------------------------------------------------------------


@dataclass
class Image:
    """A standalone chart: its title above (on up to two lines), the source below."""

    width: int
    height: int  # of the chart alone
    title: str
    permalink: str

    @property
    def heading(self) -> list[str]:
        """The title as the picture shows it: wrapped to its width, cut after two lines."""
        fits = max((self.width - 24) // 10, 20)
        lines = textwrap.wrap(self.title, fits) or [""]
        if len(lines) > 2:
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), fits, placeholder=" …")]
        return lines

    @property
    def heading_lines(self) -> list[tuple[int, str]]:
        return [(26 + 24 * i, line) for i, line in enumerate(self.heading)]

    @property
    def top(self) -> int:
        return 16 + 24 * len(self.heading)

    @property
    def total_height(self) -> int:
        return self.top + self.height + IMAGE_BOTTOM

    @property
    def source_y(self) -> int:
        return self.top + self.height + 22

    @property
    def date_y(self) -> int:
        return self.top + self.height + 40


def _image_answer(
    request: HttpRequest, template: str, context: dict, image: Image, *, fmt: str, name: str
) -> HttpResponse:
    svg = render_to_string(
        template,
        {
            **context,
            "image": image,
            "css": mark_safe(CHART_CSS),  # noqa: S308 - our own stylesheet file
            "outlet": settings.NEWSROOM_NAME,
            "today": timezone.localdate(),
        },
    )
    if fmt == "png":
        response = HttpResponse(png_from_svg(svg), content_type="image/png")
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        # Opened in the browser, the image may apply its own stylesheet, and nothing else.
        response._csp_replace = {
            "default-src": ["'none'"],
            "style-src": [CHART_CSS_HASH],
            "script-src": ["'none'"],
            "img-src": ["'none'"],
            "font-src": ["'none'"],
            "connect-src": ["'none'"],
        }
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
@reader_required
def deal_chart(request: HttpRequest, slug: str, chart: str, fmt: str) -> HttpResponse:
    """A deal's timeline or roll-ups as an SVG or PNG image (published content)."""
    deal = _get_deal(slug)
    permalink = sharing.deal_permalink(deal)
    updated = claim_queries.deal_last_updated(deal=deal, user=sharing.public())
    if chart == "timeline":
        phases = deal_queries.phases_of_deal(deal=deal)
        timeline = phase_timeline(deal=deal, phases=phases, today=timezone.localdate())
        if timeline is None:
            raise Http404("No phase of this deal has dates yet: there is no timeline to draw.")
        image = Image(timeline.width, timeline.height, f"{deal.title}: timeline", permalink)
        context = {"timeline": timeline, "updated": updated}
        template = "charts/timeline_image.svg"
    else:
        widgets = _deal_widgets(deal)
        bars = rollup_bars(
            parties=widgets["rollup_parties"],
            phases=widgets["rollup_phases"],
            overall=widgets["rollup_overall"],
        )
        image = Image(bars.width, bars.height, f"{deal.title}: implementation record", permalink)
        context = {"bars": bars, "updated": updated}
        template = "charts/rollups_image.svg"
    return _image_answer(request, template, context, image, fmt=fmt, name=f"{deal.slug}-{chart}")


@require_GET
@reader_required
def clause_chart(request: HttpRequest, slug: str, ref: str, fmt: str) -> HttpResponse:
    """A clause's step charts (each obliged party over time) as an SVG or PNG image."""
    deal = _get_deal(slug)
    clause = _get_clause(deal, ref)
    records = clause_records(clause=clause, user=sharing.public())
    placed, width, height = place_step_charts(records["histories"])
    image = Image(
        max(width, 720),
        height,
        f"{deal.title}, clause {clause.reference} {clause.title}: implementation over time",
        sharing.clause_permalink(clause),
    )
    context = {
        **records,
        "clause": clause,
        "placed": placed,
        "updated": claim_queries.clause_last_updated(clause=clause, user=sharing.public()),
    }
    name = f"{deal.slug}-clause-{clause.reference}"
    return _image_answer(request, "charts/clause_image.svg", context, image, fmt=fmt, name=name)


# --- citations ------------------------------------------------------------------------


def _citation_file(citable: citations.Citable, fmt: str) -> HttpResponse:
    if fmt == "bib":
        body, content_type = citations.bibtex(citable), "application/x-bibtex; charset=utf-8"
    else:
        body = citations.csl_json(citable)
        content_type = "application/vnd.citationstyles.csl+json; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{citable.key}.{fmt}"'
    return response


@require_GET
@reader_required
def deal_cite(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A deal's citation as BibTeX (fmt=bib) or CSL-JSON (fmt=json)."""
    deal = _get_deal(slug)
    return _citation_file(sharing.deal_citable(deal, today=timezone.localdate()), fmt)


@require_GET
@reader_required
def clause_cite(request: HttpRequest, slug: str, ref: str, fmt: str) -> HttpResponse:
    """A clause's citation as BibTeX or CSL-JSON."""
    clause = _get_clause(_get_deal(slug), ref)
    return _citation_file(sharing.clause_citable(clause, today=timezone.localdate()), fmt)


@require_GET
@reader_required
def claim_cite(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A published claim's citation as BibTeX or CSL-JSON (a draft has none)."""
    try:
        claim = claim_queries.claim_for_page(pk=pk, user=sharing.public())
    except Claim.DoesNotExist as exc:
        raise Http404("No published claim at this address.") from exc
    return _citation_file(sharing.claim_citable(claim, today=timezone.localdate()), fmt)


# --- permalinks -----------------------------------------------------------------------


def _with_query(request: HttpRequest, path: str) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


@require_GET
@reader_required
def deal_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    """/d/<id>/: the deal's page, wherever its slug has moved (a temporary redirect:
    the slug may change again, the id never)."""
    deal = Deal.objects.filter(pk=pk).only("slug").first()
    if deal is None:
        raise Http404("No deal with this number.")
    return redirect(_with_query(request, deal.get_absolute_url()))


@require_GET
@reader_required
def clause_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    """/c/<id>/: the clause's page, whatever the deal's slug or the clause's reference now."""
    clause = Clause.objects.select_related("deal").filter(pk=pk).first()
    if clause is None:
        raise Http404("No clause with this number.")
    return redirect(_with_query(request, clause.get_absolute_url()))
