"""The slipping list's rows (/slipping/) and a deal page's overdue terms, drawn in
Python for the reason claim_rows.py gives: 25 terms a page, each with three links, its
due date, and the parties behind with their latest assessments, took about a seventh of
the slipping page through the template engine. Every value is escaped by format_html;
dates, numbers and plurals go through Django's own `date`, `localize` and `pluralize`,
so the row reads as the template's did.
"""

from __future__ import annotations

from django.template.defaultfilters import date, pluralize
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.models import Assessment
from dealtracker.claims.slipping import OverdueTerm
from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.deals.models import Deal, Party
from dealtracker.desk.escaping import format_html

_NOT_ASSESSED = mark_safe('<span class="level not-assessed">not assessed</span>')


def slipping_row_html(term: OverdueTerm, urls: URLEnvironment | None = None) -> SafeString:
    """The term as a `<tr>` of the slipping table (each cell labelled for the narrow
    layout), with the whitespace the table's loop puts around it."""
    clause = term.clause
    deal = clause.deal
    behind = "".join(_behind(party, assessment, urls) for party, assessment in term.behind)
    return format_html(
        "\n      <tr>\n"
        '        <th scope="row"><a href="{}"><span class="ref">{}</span> <bdi>{}</bdi></a></th>\n'
        '        <td data-label="Deal"><a href="{}" dir="auto">{}</a></td>\n'
        '        <td data-label="Due"><time datetime="{}">{}</time> <span class="muted">({})</span>'
        '<br><span class="overdue-flag"><span aria-hidden="true">⚠</span> {} day{} overdue'
        "</span></td>\n"
        '        <td data-label="Behind"><ul class="behind">{}</ul></td>\n'
        "      </tr>\n    ",
        fast_reverse("desk:clause-detail", (deal.slug, clause.reference), environment=urls),
        clause.reference,
        clause.title,
        fast_reverse("desk:deal-detail", (deal.slug,), environment=urls),
        deal.title,
        date(term.due.date, "Y-m-d"),
        term.due.display,
        term.due.basis,
        term.days_overdue,
        pluralize(term.days_overdue),
        mark_safe(behind),  # noqa: S308 — each item from format_html
    )


def _behind(party: Party, assessment: Assessment | None, urls: URLEnvironment | None) -> str:
    if assessment:
        level = format_html(
            '<span class="level lvl-{}">{}</span> <span class="muted">({})</span>',
            assessment.level,
            assessment.get_level_display(),
            date(assessment.assessed_on, "j M Y"),
        )
    else:
        level = _NOT_ASSESSED
    return format_html(
        '<li><a href="{}"><bdi>{}</bdi></a>: {}</li>',
        fast_reverse("desk:party-detail", (party.slug,), environment=urls),
        party.label,
        level,
    )


def overdue_term_html(
    term: OverdueTerm, deal: Deal, urls: URLEnvironment | None = None
) -> SafeString:
    """The term as an `<li>` of a deal page's overdue terms (its anchor the target of the
    clause lists' flags), with the whitespace the list's loop puts around it."""
    clause = term.clause
    phase = ""
    if clause.phase:
        phase = format_html(' <span class="muted">(phase {})</span>', localize(clause.phase.order))
    behind = ", ".join(
        format_html(
            "{} ({})",
            party.label,
            assessment.get_level_display() if assessment else "not assessed",
        )
        for party, assessment in term.behind
    )
    return format_html(
        '\n    <li id="overdue-{}"><span class="overdue-flag"><span aria-hidden="true">⚠</span>'
        ' overdue</span> <a href="{}"><span class="ref">{}</span> {}</a>{} — due {}'
        ' <span class="muted">({})</span>; behind: {}</li>\n    ',
        localize(clause.pk),
        fast_reverse("desk:clause-detail", (deal.slug, clause.reference), environment=urls),
        clause.reference,
        clause.title,
        SafeString(phase),
        term.due.display,
        term.due.basis,
        SafeString(behind),
    )
