"""Small helpers for bringing deleted rows back from django-simple-history records.

Used by `claims/undelete.py` and `sources/undelete.py`. A deletion leaves a
history record of type '-'; the record just before it holds the row as it was.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import F, Index, Model, OuterRef, Q, QuerySet, Subquery
from simple_history.models import HistoricalRecords
from simple_history.utils import get_history_manager_for_model

RESTORED = "restored from history"
# Rows deleted this close to their parent's deletion record went with it (the
# services and the admin's cascade delete take milliseconds, in one transaction).
SAME_DELETION = dt.timedelta(seconds=10)

# Fields of the history tables of sources, revisions, passages, claims and evidence
# (ArchiveHistory) that are stored without an index: history is looked up by the
# row's id, by its source, claim or passage, by user and (deletions) by date, never
# by these, and each index was one more write for every row an import or an
# edit adds (for an archive import, about a tenth of the database's work).
UNQUERIED_HISTORY_INDEXES = [
    "uid",
    "created_by",
    "duplicate_of",
    "revision_made",
    "revision_anchored",
    "claimant",
    "deal",
    "phase",
    "clause",
]


class ArchiveHistory(HistoricalRecords):
    """The history of the archive's large tables (sources, revisions, passages, claims,
    evidence), which an import adds to by the million: no index on the fields of
    UNQUERIED_HISTORY_INDEXES, and none on every record's date.

    Their records are read by the row's id, source, claim or passage, and by date only
    among deletions (the deleted lists, what went with a deletion: deleted_objects,
    deleted_with): a partial index holds the deletion records alone, which no import
    and no edit but a deletion writes to.
    """

    _date_indexing = False  # django-simple-history's own index on history_date

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("no_db_index", UNQUERIED_HISTORY_INDEXES)
        super().__init__(*args, **kwargs)

    def get_meta_options(self, model: type[Model]) -> dict:
        meta = super().get_meta_options(model)
        meta["indexes"] = [
            Index(
                F("history_date").desc(),
                F("history_id").desc(),
                condition=Q(history_type="-"),
                name=f"h{model._meta.model_name}_deleted_idx"[:30],
            )
        ]
        return meta


# simple_history reads the author and the reason of an instance's next save from these
# two attributes, which the model classes do not declare (hence setattr).
def credit(instance: Model, by) -> None:
    """Record user `by` (None: nobody) as the author of the next save of `instance`."""
    setattr(instance, "_history_user", by)  # noqa: B010


def give_reason(instance: Model, reason: str) -> None:
    """Record `reason` as the change reason of the next save of `instance`."""
    setattr(instance, "_change_reason", reason)  # noqa: B010


def deleted_objects(model: type[Model]) -> QuerySet:
    """The last deletion record of every object of `model` that is deleted now, newest first."""
    Historical = get_history_manager_for_model(model).model
    last_deletion = (
        Historical.objects.filter(id=OuterRef("id"), history_type="-")
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    deleted = Historical.objects.filter(
        history_type="-", history_id=Subquery(last_deletion)
    ).exclude(id__in=model._default_manager.values("id"))
    if has_uid(model):
        # Back under another id (an archive import brought it back): not deleted.
        deleted = deleted.exclude(uid__in=model._default_manager.values("uid"))
    return deleted.select_related("history_user").order_by("-history_date", "-history_id")


def has_uid(model: type[Model]) -> bool:
    return any(f.name == "uid" for f in model._meta.concrete_fields)


def back_as(model: type[Model], record) -> int | None:
    """The id of the live row with the stable id of a deleted one's record (an archive
    import can bring a deleted row back under a new id), or None."""
    if not has_uid(model):
        return None
    return model._default_manager.filter(uid=record.uid).values_list("pk", flat=True).first()


def last_deletion(model: type[Model], pk: int):
    return (
        get_history_manager_for_model(model)
        .filter(id=pk, history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )


def state_before(model: type[Model], pk: int, deletion):
    """The object as it was just before `deletion` (its last non-deletion record)."""
    record = (
        get_history_manager_for_model(model)
        .filter(id=pk, history_date__lte=deletion.history_date)
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    return record or deletion


def deleted_with(model: type[Model], parent_deletion, **filters) -> QuerySet:
    """Deletion records of `model` rows (matching filters) deleted together with a parent."""
    return (
        get_history_manager_for_model(model)
        .filter(
            history_type="-",
            history_date__gte=parent_deletion.history_date - SAME_DELETION,
            history_date__lte=parent_deletion.history_date + SAME_DELETION,
            **filters,
        )
        .exclude(id__in=model._default_manager.values("id"))
        .order_by("id", "-history_date")
        .distinct("id")
    )


def exists(model: type[Model], pk) -> bool:
    return pk is not None and model._default_manager.filter(pk=pk).exists()


def recreate(record, *, by=None, user_fields: tuple[str, ...] = ("created_by",), **overrides):
    """Insert the row a history record describes again, under its old id.

    Users deleted since are dropped (the field is SET_NULL anyway); auto_now_add
    timestamps are put back to their recorded values after the insert.
    """
    instance = record.instance
    for name, value in overrides.items():
        setattr(instance, name, value)
    User = get_user_model()
    for name in user_fields:
        if not exists(User, getattr(instance, f"{name}_id", None)):
            setattr(instance, name, None)
    give_reason(instance, RESTORED)
    if by is not None:
        credit(instance, by)
    instance.save(force_insert=True)
    model = type(instance)
    stamps = {
        f.attname: getattr(record, f.attname)
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False) and hasattr(record, f.attname)
    }
    if stamps:
        model._default_manager.filter(pk=instance.pk).update(**stamps)
    return instance
