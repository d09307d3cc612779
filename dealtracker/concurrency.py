"""Two editors on one object: row locks in one order, and what a write says when it lost.

Every write that touches several rows takes its row locks in this order, so
that two of them can wait for each other but never deadlock:

    source → its passages (by id) → claim → its evidence (by id)

(marking, revising and deleting a source, deleting a passage and resolving a
flagged one — confirm, move, detach — lock the source row first; linking a
claim locks the passage, then the claim; deleting a claim locks the claim,
then its evidence. Inserting a passage also locks its source's row, wherever
it comes from: the trigger that gives it its label raises the source's counter.
Writing a claim, last, locks the rows its triggers keep for its deal — the
compliance counts and the latest change, in key order, until the transaction
ends: two transactions that each write claims of one deal take turns, and two
that write claims of two deals in opposite orders can deadlock, which the desk
answers with 409 like any write that lost a race.)

A write that finds its object deleted by someone else — before or while it
waited for the lock — raises `Gone` instead of writing (or failing at commit
on a foreign key): the pages answer it with 410 and a message.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet


class Gone(Exception):
    """The object this write is about was deleted (by someone else) before it could be locked."""

    def __init__(self, what: str, pk: int | None, message: str = "") -> None:
        self.what = what
        self.pk = pk
        super().__init__(
            message
            or f"This {what} was deleted by someone else in the meantime; nothing was saved."
        )


def lock(rows: QuerySet | type[Model], pk, *, what: str, no_key: bool = False):
    """The row with this pk, locked until the transaction ends; Gone if it does not exist.

    `no_key=True` takes FOR NO KEY UPDATE: enough to keep the row from being
    deleted while evidence is linked to it, without blocking other links.
    """
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    try:
        return queryset.select_for_update(no_key=no_key, of=("self",)).get(pk=pk)
    except ObjectDoesNotExist:  # the model's DoesNotExist, from .get()
        raise Gone(what, pk) from None
