"""Compliance counts as the pages show them: a symbol beside each word, the counts read
out in one order, and each matrix cell's address and element id.

The counting rule is claims/compliance.py's; this module only dresses its results
for the templates (`cell.summary`, `cell.url`, `cell.dom_id`, `row.compliance.items`),
and draws a matrix cell (`cell_html`, drawn by the `{% matrix_row %}` tag of the deal
page and the matrix embed).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

from django.utils.safestring import SafeString, mark_safe

from dealtracker.claims.compliance import COMPLIANCE_ORDER, Matrix, MatrixCell, MatrixRow
from dealtracker.claims.models import ClaimCompliance
from dealtracker.claims.queries import DealComplianceCounts
from dealtracker.db.url_templates import reverse_path
from dealtracker.desk.escaping import escaped, format_html

# Clause rows of the compliance matrix drawn at a time (?matrix_page=), on the deal page
# and in the matrix embed: a deal within it (the demo deals) shows its whole matrix.
MATRIX_ROWS = 40

# Shown next to the words, so that no compliance is told by colour alone.
COMPLIANCE_SYMBOLS = {
    ClaimCompliance.COMPLIED: "✓",
    ClaimCompliance.PARTLY: "◐",
    ClaimCompliance.NOT_COMPLIED: "✗",
    ClaimCompliance.NOT_YET_DUE: "…",
    ClaimCompliance.UNCLEAR: "?",
}


@dataclass
class ComplianceCount:
    compliance: str
    label: str
    symbol: str
    count: int


def compliance_summary(counts: dict[str, int]) -> list[ComplianceCount]:
    """Counts by asserted compliance, in reading order, each with its word and symbol."""
    return [
        ComplianceCount(c.value, c.label, COMPLIANCE_SYMBOLS[c], counts[c.value])
        for c in COMPLIANCE_ORDER
        if counts.get(c.value)
    ]


@dataclass
class PageCell(MatrixCell):
    """A matrix cell with what the page needs to draw it and link to it."""

    @classmethod
    def of(cls, cell: MatrixCell) -> PageCell:
        # The same fields, copied as they are (a big deal's matrix has thousands of cells:
        # dataclasses.fields() per cell cost more than drawing them).
        page_cell = cls.__new__(cls)
        page_cell.__dict__.update(cell.__dict__)
        return page_cell

    @property
    def summary(self) -> list[ComplianceCount]:
        return compliance_summary(self.counts)

    @cached_property
    def url(self) -> str:
        # Cached: the deal page's matrix uses it twice per cell (href and hx-get).
        return reverse_path(
            "desk:deal-matrix-cell",
            slug=self.clause.deal.slug,
            ref=self.clause.reference,
            party_slug=self.party.slug,
        )

    @property
    def dom_id(self) -> str:
        return f"cell-{self.clause.pk}-{self.party.pk}"


def cell_html(
    cell: PageCell, *, embed: bool, is_open: bool, overdue: bool, matrix_page: int = 1
) -> SafeString:
    """One `<td>` of the matrix table: its counts, refuted and contested marks, the desk's
    assessment, each a link to the cell's claims.

    Built here rather than in the template: a matrix has a cell per clause and party,
    and a template `{% for %}`/`{% if %}` per count and mark cost most of the deal page's
    rendering. `embed`: a plain link (no htmx); `is_open`: the cell shown below the
    matrix; `overdue`: the clause is overdue (an obliged cell not assessed says so);
    `matrix_page`: the matrix page the cell is on, for the panel's way back to it."""
    label = escaped(cell.party.label)
    if not cell.obliged:
        return mark_safe(  # noqa: S308 — every value escaped above
            f'<td class="cell not-obliged" data-label="{label}"><span aria-hidden="true">—'
            f'</span><span class="visually-hidden">{label} not obliged</span></td>'
        )
    classes = "cell"
    if cell.contested:
        classes += " contested"
    if not cell.total:
        classes += " empty"
    if is_open:
        classes += " is-open"
    url = escaped(cell.url)
    if embed:
        link = f'<a href="{url}">'
    else:
        # The page's own matrix page travels with the panel (its Close link returns there).
        hx_url = url if matrix_page == 1 else f"{url}?matrix_page={matrix_page}"
        link = (
            f'<a href="{url}" data-hx-get="{hx_url}" data-hx-target="#matrix-cell" '
            'data-hx-swap="outerHTML show:#matrix-cell:top" data-hx-push-url="true">'
        )
    parts = [
        f'<td class="{classes}" id="{cell.dom_id}" data-label="{label}">',
        link,
        f'<span class="visually-hidden">{escaped(cell.clause.reference)}, {label}: </span>',
    ]
    summary = cell.summary
    for item in summary:
        parts.append(
            f'<span class="count c-{escaped(item.compliance)}"><span aria-hidden="true">'
            f"{item.symbol}</span> {item.count}"
            f'<span class="visually-hidden"> {escaped(item.label)}</span></span> '
        )
    if not summary and not cell.refuted:
        parts.append('<span class="none">no claims</span>')
    if cell.refuted:
        parts.append(f' <span class="count refuted"><s>{cell.refuted} refuted</s></span>')
    if cell.contested:
        parts.append(
            ' <span class="contested-mark"><span aria-hidden="true">⚡</span> contested</span>'
        )
    assessment = cell.assessment
    if assessment is not None:
        parts.append(
            format_html(
                ' <span class="assessed lvl-{}">desk: {}</span>',
                assessment.level,
                assessment.get_level_display(),
            )
        )
    elif overdue:
        parts.append(' <span class="assessed not-assessed">desk: not assessed</span>')
    if cell.disagrees:
        parts.append(' <span class="disagrees-mark">≠ assessment differs</span>')
    parts.append("</a></td>")
    return mark_safe("".join(parts))  # noqa: S308 — every value escaped above


@dataclass
class PageMatrix(Matrix):
    """A matrix as the pages show it: cells they can draw, the contested count kept."""

    @cached_property
    def contested_cells(self) -> int:
        # Counted once: a page reads it several times, each a pass over every cell.
        return super().contested_cells


def page_matrix(matrix: Matrix) -> PageMatrix:
    """The same matrix with cells the page can draw."""
    rows = [
        MatrixRow(clause=row.clause, cells=[PageCell.of(cell) for cell in row.cells])
        for row in matrix.rows
    ]
    # Every field kept: the latest assessments travel with it, for the roll-ups and
    # overdue terms.
    return PageMatrix(**{**{f.name: getattr(matrix, f.name) for f in fields(matrix)}, "rows": rows})


@dataclass
class DealCompliance:
    """A deal's compliance claims as the deal lists show them."""

    counts: DealComplianceCounts

    @property
    def items(self) -> list[tuple[str, str, int]]:
        return [
            (c.compliance, f"{c.symbol} {c.label}", c.count)
            for c in compliance_summary(self.counts.counts)
        ]

    @property
    def total(self) -> int:
        return self.counts.total
