"""Related rows given their parent object from the row itself, instead of joining it again.

A claim's clause and phase belong to the claim's own deal (the claims service
refuses anything else), so a claim row needs the deals table joined once, not
three times: the rows' iterable hands the claim's deal object to its clause and
phase. Two joins fewer made PostgreSQL plan the claim lists several times
faster on a large database (planning was most of their time). Should a row
break the rule, its clause's or phase's deal loads lazily, as without the trick.

Pays: the deal, clause and claims-list pages on the large database (`make
bench`). Plain path (DB_PLAIN=shared_parent): select_related() joins the parent
table for each child.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): deal 518 →
875 ms, clause 490 → 736 ms.
"""

from __future__ import annotations

from functools import cache

from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from .plain import is_plain


def share_parent(rows: QuerySet, *, parent: str, children: tuple[str, ...]) -> QuerySet:
    """rows whose `children` (already in select_related) get the row's own `parent` object."""
    if is_plain("shared_parent"):
        return rows.select_related(*(f"{child}__{parent}" for child in children))
    rows = rows.all()
    # Django's private hook for how rows become objects (as values() uses it);
    # kept by every later clone of the queryset.
    rows._iterable_class = _iterable(rows.model._meta.get_field(parent).attname, parent, children)
    return rows


@cache
def _iterable(parent_id: str, parent: str, children: tuple[str, ...]) -> type[ModelIterable]:
    class SharedParentIterable(ModelIterable):
        def __iter__(self):
            for row in super().__iter__():
                own = getattr(row, parent_id)
                if own is not None:
                    for name in children:
                        child = getattr(row, name)
                        if child is not None and getattr(child, parent_id) == own:
                            setattr(child, parent, getattr(row, parent))
                yield row

    return SharedParentIterable
