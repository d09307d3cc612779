"""Tags of the deal page's long regions: a matrix cell, and where an overdue flag points.

The cell's markup is desk/matrix.py's `cell_html`; these tags only read what it needs
from the template's context, so that the table and the embed stay one template.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from dealtracker.deals.models import Clause
from dealtracker.desk.matrix import PageCell, cell_html

register = template.Library()


@register.simple_tag(takes_context=True)
def matrix_cell(context: template.Context, c: PageCell) -> SafeString:
    """`{% matrix_cell c %}`: the matrix cell `c` as a `<td>`. Reads `embed` (plain links),
    `cell` (the open cell), `overdue_clause_ids` and `matrix_paging` from the context."""
    open_cell = context.get("cell")
    paging = context.get("matrix_paging")
    return cell_html(
        c,
        embed=bool(context.get("embed")),
        is_open=bool(
            open_cell and open_cell.clause.pk == c.clause.pk and open_cell.party.pk == c.party.pk
        ),
        overdue=c.clause.pk in context.get("overdue_clause_ids", ()),
        matrix_page=paging.page.number if paging else 1,
    )


@register.simple_tag(takes_context=True)
def overdue_href(context: template.Context, clause: Clause) -> str:
    """Where a clause's overdue flag points: its entry in the overdue terms, on this page
    (`#overdue-<id>`) or on the page of the overdue list that holds it (`overdue_links`)."""
    links = context.get("overdue_links") or {}
    return links.get(clause.pk, f"#overdue-{clause.pk}")
