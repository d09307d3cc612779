"""A deal as the home page's cards (`{% deal_card %}`) and the deals list's table rows
(`{% deal_table_row %}`) show it, drawn in Python for the reason claim_rows.py gives:
a dozen to 25 deals a page, each with its parties, current phase and compliance
counts, cost more in template lookups than everything else on these pages. Every value
is escaped by format_html, as the templates escaped it.

A row is pages.DealRow: the deal (memberships with their parties prefetched), its
current phase, and its compliance counts (matrix.DealCompliance). `urls`: the
request's url_environment(), read once for all the rows of a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.desk.escaping import format_html, format_html_join
from dealtracker.desk.timeline import STATUS_SYMBOLS

if TYPE_CHECKING:
    from dealtracker.desk.views.pages import DealRow


def _deal_link(deal, urls: URLEnvironment | None) -> str:
    return fast_reverse("desk:deal-detail", (deal.slug,), environment=urls)


def _parties(memberships: list, urls: URLEnvironment | None, *, bdi: bool) -> SafeString:
    """Each party linked, with its role: 'Israel (signatory), Hamas (signatory)'."""
    link = '<a href="{}"><bdi>{}</bdi></a> <span class="muted">({})</span>'
    if not bdi:
        link = '<a href="{}">{}</a> <span class="muted">({})</span>'
    return format_html_join(
        ", ",
        link,
        (
            (
                fast_reverse("desk:party-detail", (m.party.slug,), environment=urls),
                m.party.label,
                m.get_role_display(),
            )
            for m in memberships
        ),
    )


def _phase(deal, phase, urls: URLEnvironment | None, *, bdi: bool) -> SafeString:
    """The current phase linked, with its status in words and symbol."""
    name = format_html("<bdi>{}</bdi>", phase.name) if bdi else phase.name
    return format_html(
        '<a href="{}">{}. {}</a> <span class="badge phase p-{}"><span aria-hidden="true">{} '
        "</span>{}</span>",
        fast_reverse("desk:phase-detail", (deal.slug, phase.order), environment=urls),
        phase.order,
        name,
        phase.status,
        STATUS_SYMBOLS.get(phase.status, ""),
        phase.get_status_display(),
    )


def _compliance(row: DealRow) -> SafeString:
    items = row.compliance.items
    if not items:
        return mark_safe('<span class="muted">none yet</span>')
    return format_html_join("", '<span class="badge compliance c-{}">{}: {}</span> ', items)


def deal_card_html(row: DealRow, urls: URLEnvironment | None = None) -> SafeString:
    """The deal as an `<li class="deal-card">`: title, status, parties, current phase,
    compliance claims."""
    deal = row.deal
    memberships = list(deal.memberships.all())
    agreed = ""
    if deal.date_agreed:
        agreed = format_html(' <span class="muted">agreed {}</span>', deal.date_agreed_display)
    parties = ""
    if memberships:
        parties = format_html(
            '    <p class="deal-parties"><span class="label">Parties:</span> {}</p>\n',
            _parties(memberships, urls, bdi=True),
        )
    phase = (
        _phase(deal, row.current_phase, urls, bdi=True)
        if row.current_phase
        else mark_safe('<span class="muted">no phases</span>')
    )
    return format_html(
        '  <li class="deal-card">\n'
        '    <h3><a href="{}" dir="auto">{}</a></h3>\n'
        '    <p class="badges"><span class="badge status s-{}">{}</span>{}</p>\n'
        "{}"
        '    <p class="deal-phase"><span class="label">Current phase:</span> {}</p>\n'
        '    <p class="deal-counts"><span class="label">Compliance claims:</span>\n'
        "      {}\n    </p>\n  </li>\n",
        _deal_link(deal, urls),
        deal.title,
        deal.status,
        deal.get_status_display(),
        agreed,
        parties,
        phase,
        _compliance(row),
    )


def deal_table_row_html(row: DealRow, urls: URLEnvironment | None = None) -> SafeString:
    """The deal as a `<tr>` of the deals list's table, each cell labelled for the
    narrow layout."""
    deal = row.deal
    memberships = list(deal.memberships.all())
    if deal.date_agreed:
        agreed = format_html('<td data-label="Agreed">{}</td>', deal.date_agreed_display)
    else:
        agreed = mark_safe('<td data-label="Agreed" class="is-empty">—</td>')
    if row.current_phase:
        phase = format_html(
            '<td data-label="Current phase">{}</td>',
            _phase(deal, row.current_phase, urls, bdi=False),
        )
    else:
        phase = mark_safe('<td data-label="Current phase" class="is-empty">—</td>')
    if memberships:
        parties = format_html(
            '<td data-label="Parties" class="col-parties">{}</td>',
            _parties(memberships, urls, bdi=False),
        )
    else:
        parties = mark_safe('<td data-label="Parties" class="col-parties is-empty">—</td>')
    return format_html(
        '    <tr class="deal-row">\n'
        '      <th scope="row" class="col-deal"><a href="{}">{}</a></th>\n'
        '      <td data-label="Status"><span class="badge status s-{}">{}</span></td>\n'
        "      {}\n      {}\n      {}\n"
        '      <td data-label="Compliance claims" class="col-counts">{}</td>\n'
        "    </tr>\n",
        _deal_link(deal, urls),
        deal.title,
        deal.status,
        deal.get_status_display(),
        agreed,
        phase,
        parties,
        _compliance(row),
    )
