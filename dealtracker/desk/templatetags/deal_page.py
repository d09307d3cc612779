"""Tags of the deal page's long regions: a matrix row with its cells, a list of clauses.

The cell's markup is desk/matrix.py's `cell_html`, the list's desk/clause_rows.py's;
these tags only read what they need from the template's context, so that the table and
the embed stay one template, and the deal and phase pages one list.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from dealtracker.db.url_templates import fast_reverse
from dealtracker.desk.clause_rows import clause_list_html
from dealtracker.desk.escaping import format_html
from dealtracker.desk.matrix import cell_html
from dealtracker.desk.templatetags.fast_url import request_url_environment

register = template.Library()


@register.simple_tag(takes_context=True)
def matrix_row(context: template.Context, row) -> SafeString:
    """`{% matrix_row row %}`: a matrix row as a `<tr>`, its clause linked, then its cells
    (desk/matrix.py, cell_html), with the whitespace the table's loop puts around it.
    Reads `deal`, `embed` (plain links), `cell` (the open cell), `overdue_clause_ids` and
    `matrix_paging` from the context, once for the row: per cell, as a tag of its own
    did, that was most of what a big deal's matrix cost to draw."""
    open_cell = context.get("cell")
    paging = context.get("matrix_paging")
    embed = bool(context.get("embed"))
    matrix_page = paging.page.number if paging else 1
    clause = row.clause
    overdue = clause.pk in context.get("overdue_clause_ids", ())
    open_party = open_cell.party.pk if open_cell and open_cell.clause.pk == clause.pk else None
    cells = "".join(
        cell_html(
            c,
            embed=embed,
            is_open=c.party.pk == open_party,
            overdue=overdue,
            matrix_page=matrix_page,
        )
        for c in row.cells
    )
    urls = request_url_environment(getattr(context, "request", None))
    return format_html(
        '\n    <tr>\n      <th scope="row"><a href="{}"><span class="ref">{}</span> {}</a></th>'
        "\n      {}\n    </tr>\n  ",
        fast_reverse(
            "desk:clause-detail", (context["deal"].slug, clause.reference), environment=urls
        ),
        clause.reference,
        clause.title,
        SafeString(cells),
    )


@register.simple_tag(takes_context=True)
def clause_list(context: template.Context, clauses) -> SafeString:
    """`{% clause_list clauses %}`: the clauses with their obliged parties and due dates.
    Reads `deal`, `overdue_clause_ids` and `overdue_links` (on the deal page: the flag
    points at the page of the overdue terms that lists the clause) from the context."""
    return clause_list_html(
        clauses,
        deal=context["deal"],
        overdue_clause_ids=context.get("overdue_clause_ids") or (),
        overdue_links=context.get("overdue_links"),
        urls=request_url_environment(getattr(context, "request", None)),
    )
