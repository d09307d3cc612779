"""Compliance counts as the pages show them: a symbol beside each word, the counts read
out in one order, and each matrix cell's address and element id.

The counting rule is claims/compliance.py's; this module only dresses its results
for the templates (`cell.summary`, `cell.url`, `cell.dom_id`, `row.compliance.items`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property

from django.urls import reverse

from dealtracker.claims.compliance import COMPLIANCE_ORDER, Matrix, MatrixCell, MatrixRow
from dealtracker.claims.models import ClaimCompliance
from dealtracker.claims.queries import DealComplianceCounts

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
        return cls(**{f.name: getattr(cell, f.name) for f in fields(cell)})

    @property
    def summary(self) -> list[ComplianceCount]:
        return compliance_summary(self.counts)

    @cached_property
    def url(self) -> str:
        # Cached: the deal page's matrix uses it twice per cell (href and hx-get).
        return reverse(
            "desk:deal-matrix-cell",
            kwargs={
                "slug": self.clause.deal.slug,
                "ref": self.clause.reference,
                "party_slug": self.party.slug,
            },
        )

    @property
    def dom_id(self) -> str:
        return f"cell-{self.clause.pk}-{self.party.pk}"


def page_matrix(matrix: Matrix) -> Matrix:
    """The same matrix with cells the page can draw."""
    rows = [
        MatrixRow(clause=row.clause, cells=[PageCell.of(cell) for cell in row.cells])
        for row in matrix.rows
    ]
    # replace(): the latest assessments travel with it, for the roll-ups and overdue terms.
    return replace(matrix, rows=rows)


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
