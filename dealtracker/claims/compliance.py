"""The compliance matrix: one row per clause, one column per obliged party.

DESIGN.md, "Compliance matrix cell": the published and, for logged-in users,
draft claims of kind *compliance* about that party on that clause (a claim
with several subject parties counts in each party's cell), counted by asserted
compliance; refuted claims are shown struck through and not counted. The cell
is *contested* when, among the counted claims, at least one says complied and
one says not complied.

The counts are kept per cell by triggers (MatrixCount, claims/matrix_sql.py), so
today's matrix reads a few rows per cell, whatever the number of claims; the
matrix as it stood on a past day counts the claims live, in one grouped query
over claims and their subjects. Either way the number of queries does not grow
with the number of cells.
The assessment half of the rule (latest assessment against latest claim by
date made) costs two more queries for the whole matrix. With `as_of`, the
matrix is the one that stood that day: claims made later and assessments
dated later are left out.

How the pages show a cell (symbols, its address) is desk/matrix.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.db.models import CharField, Count, F, Func, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, LPad
from django.utils import timezone

from dealtracker.accounts.roles import sees_drafts
from dealtracker.db.any_of import any_of_values
from dealtracker.db.statements import compiled
from dealtracker.deals.models import Clause, Deal, Party

from .assessments import disagrees
from .models import Assessment, Claim, ClaimCompliance, ClaimVerification, MatrixCount
from .queries import claims_seen, compiled_as_seen, visible_claims
from .rollups import latest_assessments

# The order the counts are read out in a cell.
COMPLIANCE_ORDER = [
    ClaimCompliance.COMPLIED,
    ClaimCompliance.PARTLY,
    ClaimCompliance.NOT_COMPLIED,
    ClaimCompliance.UNCLEAR,
    ClaimCompliance.NOT_YET_DUE,
]


@dataclass
class MatrixCell:
    clause: Clause
    party: Party
    obliged: bool = True
    # Counted claims by asserted compliance (refuted claims excluded).
    counts: dict[str, int] = field(default_factory=dict)
    refuted: int = 0
    # The desk's latest visible assessment of the cell, and whether the latest
    # counted claim (by date made) points another way.
    assessment: object | None = None
    latest_compliance: str = ""  # asserted by the latest counted claim, by date made
    disagrees: bool = False

    @property
    def counted(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        return self.counted + self.refuted

    @property
    def contested(self) -> bool:
        return is_contested(self.counts)


@dataclass
class MatrixRow:
    clause: Clause
    cells: list[MatrixCell]


@dataclass
class Matrix:
    deal: Deal
    parties: list[Party]
    rows: list[MatrixRow]
    # latest_assessments() of the obliged cells, for the roll-ups and overdue terms.
    assessments: dict[tuple[int, int], Assessment] = field(default_factory=dict)

    @property
    def contested_cells(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.contested)

    def __bool__(self) -> bool:
        return bool(self.rows and self.parties)

    def cell(self, *, clause: Clause, party: Party) -> MatrixCell | None:
        for row in self.rows:
            if row.clause.pk == clause.pk:
                return next((c for c in row.cells if c.party.pk == party.pk), None)
        return None


def is_contested(counts: dict[str, int]) -> bool:
    """At least one counted claim says complied and one says not complied."""
    return bool(counts.get(ClaimCompliance.COMPLIED) and counts.get(ClaimCompliance.NOT_COMPLIED))


def matrix_claims(*, user, as_of: dt.date | None = None):
    """Claims that can appear in a matrix cell: visible compliance claims
    (made on or before as_of when given; an undated claim by the day it was entered)."""
    claims = visible_claims(user=user).filter(kind=Claim.Kind.COMPLIANCE, clause__isnull=False)
    if as_of is not None:
        claims = claims.filter(
            Q(made_on__lte=as_of) | Q(made_on__isnull=True, created_at__date__lte=as_of)
        )
    return claims


def _with_assessments(
    cells: list[MatrixCell], *, clauses: list[Clause], user, as_of: dt.date | None
) -> dict[tuple[int, int], Assessment]:
    """Fill each cell's latest assessment and the disagreement flag (one query in all);
    return the latest assessments by (clause id, party id)."""
    if not cells:
        return {}
    day = as_of or timezone.localdate()
    assessments = latest_assessments(clauses=clauses, as_of=day, user=user)
    for cell in cells:
        cell.assessment = assessments.get((cell.clause.pk, cell.party.pk))
        if cell.assessment is None or not cell.latest_compliance:
            continue  # nothing to disagree with (most cells of a big deal's matrix)
        cell.disagrees = disagrees(cell.assessment, Claim(compliance=cell.latest_compliance))
    return assessments


def _cell_counts(claims) -> dict[tuple[int, int], dict]:
    """{(clause_id, party_id): {"counts": {compliance: n}, "refuted": n,
    "latest_compliance": str}} in one query.

    The latest counted claim (by date made, then id; undated ones last) is found in
    the same grouped query: the greatest "date|padded id" key of each compliance group.
    """
    through = Claim.subjects.through
    counted = ~Q(claim__verification=ClaimVerification.REFUTED)
    latest_key = Concat(
        # to_char, not a cast: the text of a date depends on the server's DateStyle.
        Coalesce(
            Func(
                F("claim__made_on"),
                Value("YYYY-MM-DD"),
                function="to_char",
                output_field=CharField(),
            ),
            Value("0000-00-00"),
        ),
        Value("|"),
        LPad(Cast("claim_id", CharField()), 12, Value("0")),
        output_field=CharField(),
    )
    rows = (
        through.objects.filter(claim__in=claims.values("pk"))
        .values("claim__clause_id", "party_id", "claim__compliance")
        .annotate(
            counted=Count("pk", filter=counted),
            refuted=Count("pk", filter=Q(claim__verification=ClaimVerification.REFUTED)),
            latest=Max(latest_key, filter=counted),
        )
        .order_by()
    )
    cells: dict[tuple[int, int], dict] = {}
    for row in rows:
        key = (row["claim__clause_id"], row["party_id"])
        cell = cells.setdefault(key, {"counts": {}, "refuted": 0, "latest": ""})
        if row["counted"]:
            cell["counts"][row["claim__compliance"]] = row["counted"]
        cell["refuted"] += row["refuted"]
        if row["latest"] and row["latest"] > cell["latest"]:
            cell["latest"] = row["latest"]
            cell["latest_compliance"] = row["claim__compliance"]
    return cells


def _kept_cell_counts(
    *, clause_ids, user, party_id: int | None = None
) -> dict[tuple[int, int], dict]:
    """What _cell_counts gives for today's matrix, read from the kept counts."""
    clause_ids = list(clause_ids)
    if not clause_ids:
        return {}
    drafts = sees_drafts(user)
    build = partial(_kept_counts, drafts=drafts)
    if party_id is None:
        rows = compiled(("claims.kept_cell_counts", drafts), build, clause_ids=clause_ids)
    else:
        rows = compiled(
            ("claims.kept_cell_counts", drafts, "party"),
            build,
            clause_ids=clause_ids,
            party_id=party_id,
        )
    cells: dict[tuple[int, int], dict] = {}
    for row in rows:
        clause_id, party_id_, compliance, counted, refuted, latest = row
        cell = cells.setdefault((clause_id, party_id_), {"counts": {}, "refuted": 0, "latest": ""})
        cell["refuted"] += refuted
        if counted:
            cell["counts"][compliance] = counted
        if latest and latest > cell["latest"]:
            cell["latest"] = latest
            cell["latest_compliance"] = compliance
    return cells


def _kept_counts(*, clause_ids: list[int], drafts: bool, party_id: int | None = None) -> QuerySet:
    rows = MatrixCount.objects.filter(any_of_values("clause_id", clause_ids))
    if party_id is not None:
        rows = rows.filter(party_id=party_id)
    if not drafts:
        rows = rows.filter(is_published=True)
    not_refuted = Q(refuted=False)
    return (
        rows.values("clause_id", "party_id", "compliance")
        .annotate(
            counted=Sum("n", filter=not_refuted, default=0),
            refuted_n=Sum("n", filter=Q(refuted=True), default=0),
            latest_key=Max("latest", filter=not_refuted),
        )
        .order_by()
        .values_list("clause_id", "party_id", "compliance", "counted", "refuted_n", "latest_key")
    )


def compliance_matrix(
    *, deal: Deal, user, clauses: list[Clause] | None = None, as_of: dt.date | None = None
) -> Matrix:
    """The deal's matrix (as it stood on as_of when given). Pass `clauses` (with
    obliged_parties prefetched) to reuse them."""
    if clauses is None:
        clauses = list(
            deal.clauses.select_related("phase", "deal").prefetch_related("obliged_parties")
        )
    parties: dict[int, Party] = {}
    obligations: dict[int, int] = {}
    # Read once per clause: each .all() builds a related manager (a big deal has hundreds).
    obliged_by_clause = {clause.pk: list(clause.obliged_parties.all()) for clause in clauses}
    for clause in clauses:
        for party in obliged_by_clause[clause.pk]:
            parties.setdefault(party.pk, party)
            obligations[party.pk] = obligations.get(party.pk, 0) + 1
    # The most obliged parties first: on a phone they are the columns in view.
    columns = sorted(parties.values(), key=lambda p: (-obligations[p.pk], p.label.lower(), p.pk))
    if as_of is None:
        counts = _kept_cell_counts(clause_ids=[c.pk for c in clauses], user=user)
    else:
        counts = _cell_counts(matrix_claims(user=user, as_of=as_of).filter(clause__deal=deal))
    rows = []
    for clause in clauses:
        obliged = {p.pk for p in obliged_by_clause[clause.pk]}
        if not obliged:
            continue
        cells = []
        for party in columns:
            found = counts.get((clause.pk, party.pk), {"counts": {}, "refuted": 0})
            cells.append(
                MatrixCell(
                    clause=clause,
                    party=party,
                    obliged=party.pk in obliged,
                    counts=found["counts"],
                    refuted=found["refuted"],
                    latest_compliance=found.get("latest_compliance", ""),
                )
            )
        rows.append(MatrixRow(clause=clause, cells=cells))
    obliged_cells = [cell for row in rows for cell in row.cells if cell.obliged]
    assessments = _with_assessments(
        obliged_cells, clauses=[row.clause for row in rows], user=user, as_of=as_of
    )
    return Matrix(deal=deal, parties=columns, rows=rows, assessments=assessments)


def matrix_cell(*, clause: Clause, party: Party, user) -> MatrixCell:
    """One cell, counted by the same rule as the whole matrix, with the desk's assessment."""
    counts = _kept_cell_counts(clause_ids=[clause.pk], user=user, party_id=party.pk)
    found = counts.get((clause.pk, party.pk), {"counts": {}, "refuted": 0})
    obliged = any(p.pk == party.pk for p in clause.obliged_parties.all())
    cell = MatrixCell(
        clause=clause,
        party=party,
        obliged=obliged,
        counts=found["counts"],
        refuted=found["refuted"],
        latest_compliance=found.get("latest_compliance", ""),
    )
    if obliged:
        _with_assessments([cell], clauses=[clause], user=user, as_of=None)
    return cell


def clause_cells(*, clause: Clause, user) -> list[MatrixCell]:
    """The matrix row of one clause (one cell per obliged party), in one counting query."""
    counts = _kept_cell_counts(clause_ids=[clause.pk], user=user)
    return [
        MatrixCell(
            clause=clause,
            party=party,
            counts=counts.get((clause.pk, party.pk), {}).get("counts", {}),
            refuted=counts.get((clause.pk, party.pk), {}).get("refuted", 0),
        )
        for party in sorted(clause.obliged_parties.all(), key=lambda p: (p.label.lower(), p.pk))
    ]


def party_compliance_counts(*, party: Party, user) -> dict[str, int]:
    """Counted compliance claims about a party, by asserted compliance (refuted excluded)."""
    rows = compiled_as_seen(
        "claims.party_compliance_counts", _party_compliance_counts, user=user, party_id=party.pk
    )
    return {row["compliance"]: row["n"] for row in rows}


def _party_compliance_counts(*, party_id: int, drafts: bool) -> QuerySet:
    return (
        claims_seen(drafts=drafts)
        .filter(kind=Claim.Kind.COMPLIANCE, subjects=party_id)
        .exclude(verification=ClaimVerification.REFUTED)
        .order_by()
        .values("compliance")
        .annotate(n=Count("pk"))
    )
