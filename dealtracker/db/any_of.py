"""`column = ANY(ARRAY(subquery))`: an IN over a few ids that keeps an OR indexable.

`WHERE phase_id = 1 OR clause_id IN (SELECT id FROM deals_clause WHERE phase_id = 1)`
is planned as a hashed subplan tested on every row: a sequential scan of all claims
(66 ms on the scale-1 archive, for a phase with 7 claims). Written as
`clause_id = ANY(ARRAY(SELECT ...))` the subquery runs once, first, and each side
of the OR is an index scan (0.2 ms). The plain path (DB_PLAIN=any_of) is the ORM's IN.
"""

from __future__ import annotations

from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery

from .plain import is_plain


class _AnyOf(Func):
    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        column, subquery = self.get_source_expressions()
        lhs, lhs_params = compiler.compile(column)
        rhs, rhs_params = compiler.compile(subquery)  # "(SELECT ...)"
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def any_of(field: str, ids: QuerySet) -> Q:
    """A filter: `field` is one of the values `ids` (a one-column queryset) selects."""
    if is_plain("any_of"):
        return Q(**{f"{field}__in": ids})
    return Q(_AnyOf(F(field), Subquery(ids)))
