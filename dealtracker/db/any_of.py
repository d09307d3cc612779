"""`column = ANY(ARRAY(subquery))`: an IN over a few ids that keeps an OR indexable;
`column = ANY(%s)`: an IN over a list of values sent as one array.

`WHERE phase_id = 1 OR clause_id IN (SELECT id FROM deals_clause WHERE phase_id = 1)`
is planned as a hashed subplan tested on every row: a sequential scan of all claims
(66 ms on the scale-1 archive, for a phase with 7 claims). Written as
`clause_id = ANY(ARRAY(SELECT ...))` the subquery runs once, first, and each side
of the OR is an index scan (0.2 ms). The plain path (DB_PLAIN=any_of) is the ORM's IN.

Given a list rather than a subquery (any_of_values, with no plain path: DB_PLAIN=any_of
does not change it), the values travel as one array:
the statement's text is the same for 3 ids or 25, so it is compiled once and prepared
once (statements.py, prepared.py), where `IN (%s, %s, …)` is a new statement for each
length.
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


class _AnyOfValues(Func):
    output_field = BooleanField()
    conditional = True

    def __init__(self, column, values):
        super().__init__(column)
        self.values = values

    def as_sql(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.get_source_expressions()[0])
        return f"{lhs} = ANY(%s)", (*lhs_params, self.values)


def any_of_values(field: str, values: list) -> Q:
    """A filter: `field` is one of `values` (a list, sent as one array parameter).
    No plain path of its own: a statement compiled once needs the list as one value."""
    return Q(_AnyOfValues(F(field), values))


def any_of(field: str, ids: QuerySet) -> Q:
    """A filter: `field` is one of the values `ids` (a one-column queryset) selects."""
    if is_plain("any_of"):
        return Q(**{f"{field}__in": ids})
    return Q(_AnyOf(F(field), Subquery(ids)))
