"""A deal's clauses as the deal page's groups and a phase's page list them
(`{% clause_list clauses %}`), and the terms that oblige a party as its page lists them
(`{% obliged_term clause party %}`), drawn in Python for the reason claim_rows.py gives:
up to 15 clauses a group and several groups a page, each with its obliged parties,
due date and overdue flag; up to 50 terms on a party's page. Every value is escaped by
format_html.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.deals.models import Clause, Deal, Party
from dealtracker.desk.escaping import format_html, format_html_join


def clause_list_html(
    clauses: Iterable[Clause],
    *,
    deal: Deal,
    overdue_clause_ids: Container[int] = (),
    overdue_links: Mapping[int, str] | None = None,
    urls: URLEnvironment | None = None,
) -> SafeString:
    """The clauses as a `<ul class="clause-list">` (or a line saying there are none):
    each linked with its reference and title, its category, the parties it obliges, its
    due date, and a flag when it is overdue pointing at its entry in the overdue terms
    (`overdue_links`: on another page of them; else `#overdue-<id>` on this one). Load
    `obliged_parties`, `phase` and `deadline_phase` with the clauses."""
    items = [
        _clause_item(clause, deal, overdue_clause_ids, overdue_links or {}, urls)
        for clause in clauses
    ]
    if not items:
        return mark_safe('<p class="muted">No clauses in this phase.</p>\n')
    return format_html(
        '<ul class="clause-list">\n{}</ul>\n',
        mark_safe("".join(items)),  # noqa: S308 — each item from format_html
    )


def _clause_item(
    clause: Clause,
    deal: Deal,
    overdue_clause_ids: Container[int],
    overdue_links: Mapping[int, str],
    urls: URLEnvironment | None,
) -> SafeString:
    meta = []
    obliged = list(clause.obliged_parties.all())
    if obliged:
        meta.append(
            format_html("Obliges {}", format_html_join(", ", "{}", ((p.label,) for p in obliged)))
        )
    due = clause.due_date()
    if due.date:
        meta.append(
            format_html(
                "{}due {}{}",
                " · " if obliged else "",
                due.display,
                " (planned)" if due.planned else "",
            )
        )
    flag = ""
    if clause.pk in overdue_clause_ids:
        # Who is behind and since when is told once, in the overdue terms.
        flag = format_html(
            '    <a class="overdue-flag" href="{}"><span aria-hidden="true">⚠</span> overdue'
            '<span class="visually-hidden">: see the overdue terms</span></a>\n',
            overdue_links.get(clause.pk, f"#overdue-{clause.pk}"),
        )
    return format_html(
        "  <li>\n"
        '    <a href="{}"><span class="ref">{}</span> {}</a>\n'
        '    <span class="badge category">{}</span>\n'
        '    <span class="clause-meta">{}</span>\n'
        "{}  </li>\n",
        fast_reverse("desk:clause-detail", (deal.slug, clause.reference), environment=urls),
        clause.reference,
        clause.title,
        clause.get_category_display(),
        mark_safe("".join(meta)),  # noqa: S308 — each part from format_html
        flag,
    )


def obliged_term_html(
    clause: Clause, party: Party, urls: URLEnvironment | None = None
) -> SafeString:
    """A term that obliges `party`, as an `<li>` of its page's list (with the whitespace
    the list's loop puts around it): the clause linked, its deal, phase and due date, and
    a link to the party's cell of the deal's matrix. Load `deal`, `phase` and
    `deadline_phase` with the clause."""
    deal = clause.deal
    phase = format_html(", phase {}", localize(clause.phase.order)) if clause.phase else ""
    due = clause.due_date()
    due_text = format_html(" · due {}", due.display) if due.date else ""
    return format_html(
        '\n    <li><a href="{}"><span class="ref">{}</span> {}</a> <span class="clause-meta">{}{}{}'
        ' · <a href="{}">claims on {}</a></span></li>\n    ',
        fast_reverse("desk:clause-detail", (deal.slug, clause.reference), environment=urls),
        clause.reference,
        clause.title,
        deal.title,
        SafeString(phase),
        SafeString(due_text),
        fast_reverse(
            "desk:deal-matrix-cell", (deal.slug, clause.reference, party.slug), environment=urls
        ),
        party.label,
    )
