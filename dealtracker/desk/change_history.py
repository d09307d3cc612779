"""Change history of sources, passages, claims and evidence, as editors read it.

django-simple-history keeps a record per save (who, when, a snapshot); here
consecutive records of one object are compared with `diff_against` and turned
into lines "field: old → new", with names instead of ids and vocabulary
labels instead of codes. A fixed number of queries per page: the records, then
one query per related model named in them, then one for claim subjects.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models

from dealtracker.claims.models import Claim, Evidence
from dealtracker.deals.models import Party
from dealtracker.display import field_value
from dealtracker.sources.models import Passage, Source, SourceRevision

# Never shown: bookkeeping, or derived from what is shown.
HIDDEN_FIELDS = {
    "id",
    "updated_at",
    "created_at",
    "text_hash",
    "search_vector",
    "version",
    "created_by",
    # A source's passage counter (not kept in its history) and a passage's label number
    # (fixed: the page names the passage by its label).
    "last_passage_number",
    "number",
    # A row's identity across instances (archives).
    "uid",
}
# Too long to show whole: summarised as "changed" (the revisions page shows the text).
SUMMARISED_FIELDS = {"text"}
LONG_VALUE = 300

KIND_LABELS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    summarised: bool = False


@dataclass
class Entry:
    when: datetime.datetime
    who: str
    kind: str  # created, changed, deleted
    subject: str  # what was changed, e.g. "claim", "evidence 12 (passage 4)"
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    history_id: int = 0


def _user_label(record) -> str:
    user = record.history_user
    return user.get_username() if user is not None else "system"


class _Names:
    """str() of related objects named by id in the records, one query per model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, model: type[models.Model], pk) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self) -> None:
        for model, pks in self.wanted.items():
            if model is SourceRevision:
                # Shown inside a source's or passage's own page: the number says it all.
                for pk, number in SourceRevision.objects.filter(pk__in=pks).values_list(
                    "pk", "number"
                ):
                    self.found[(model, pk)] = f"revision {number}"
                continue
            objects = model._default_manager.filter(pk__in=pks)
            if model is Source:
                objects = objects.defer("text", "search_vector")
            for obj in objects:
                self.found[(model, obj.pk)] = str(obj)

    def name(self, model: type[models.Model], pk) -> str:
        if pk is None:
            return "—"
        return self.found.get((model, pk), f"{model._meta.verbose_name} {pk} (deleted)")


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and not f.name.startswith("history_")
    ]


def _display(f: models.Field, value, names: _Names) -> str:
    """The shared formatter (dealtracker/display.py), names by id, long values cut short."""
    text = field_value(f, value, name=names.name)
    return text if len(text) <= LONG_VALUE else text[: LONG_VALUE - 1] + "…"


def _attname(f: models.Field) -> str:
    return f.attname if isinstance(f, models.ForeignKey) else f.name


def want_names(names: _Names, records: list, model: type[models.Model]) -> None:
    for record in records:
        for f in _fields(model):
            if isinstance(f, models.ForeignKey):
                names.want(f.related_model, getattr(record, f.attname))


def entries_for(
    records: list,
    model: type[models.Model],
    *,
    subject: str,
    names: _Names,
    subjects_by_record: dict[int, set] | None = None,
) -> list[Entry]:
    """Entries for the historical records of ONE object (oldest first), newest first.

    `names` must already be loaded with the related objects the records name.
    """
    fields = _fields(model)
    entries: list[Entry] = []
    previous = None
    for record in records:
        changes: list[Change] = []
        if record.history_type == "+" or previous is None:
            for f in fields:
                value = getattr(record, _attname(f))
                if value is None or value == "" or value is False or value == []:
                    continue
                if f.name in SUMMARISED_FIELDS:
                    continue
                changes.append(Change(str(f.verbose_name), "", _display(f, value, names)))
        elif record.history_type == "~":
            delta = record.diff_against(
                previous,
                excluded_fields=[
                    *HIDDEN_FIELDS,
                    *(m.name for m in getattr(record, "_history_m2m_fields", [])),
                ],
            )
            by_name = {f.name: f for f in fields}
            for change in delta.changes:
                f = by_name.get(change.field)
                if f is None:
                    continue
                if f.name in SUMMARISED_FIELDS:
                    changes.append(Change(str(f.verbose_name), "", "", summarised=True))
                    continue
                changes.append(
                    Change(
                        str(f.verbose_name),
                        _display(f, change.old, names),
                        _display(f, change.new, names),
                    )
                )
        if subjects_by_record is not None and record.history_type != "-":
            now = subjects_by_record.get(record.history_id, set())
            before = subjects_by_record.get(previous.history_id, set()) if previous else set()
            if now != before:
                changes.append(
                    Change(
                        "subject parties",
                        ", ".join(sorted(names.name(Party, p) for p in before)) or "—",
                        ", ".join(sorted(names.name(Party, p) for p in now)) or "—",
                    )
                )
        entries.append(
            Entry(
                when=record.history_date,
                who=_user_label(record),
                kind=KIND_LABELS.get(record.history_type, record.history_type),
                subject=subject,
                changes=changes,
                reason=record.history_change_reason or "",
                history_id=record.history_id,
            )
        )
        previous = record
    entries.reverse()
    return entries


def _newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.when, e.history_id), reverse=True)


def _records(model: type[models.Model], **filters) -> list:
    return list(
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def _evidence_groups(**filters) -> dict[int, list]:
    by_evidence: dict[int, list] = defaultdict(list)
    for record in _records(Evidence, **filters):
        by_evidence[record.id].append(record)
    return by_evidence


def claim_history(*, claim_pk: int) -> list[Entry]:
    """A claim's own changes (subject parties included) and those of its evidence links."""
    records = _records(Claim, id=claim_pk)
    through = apps.get_model("claims", "HistoricalClaim_subjects")
    subjects: dict[int, set] = defaultdict(set)
    for history_id, party_id in through.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "party_id"):
        subjects[history_id].add(party_id)
    evidence = _evidence_groups(claim_id=claim_pk)

    names = _Names()
    want_names(names, records, Claim)
    for party_ids in subjects.values():
        for pk in party_ids:
            names.want(Party, pk)
    for evidence_records in evidence.values():
        want_names(names, evidence_records, Evidence)
    names.load()

    entries = entries_for(records, Claim, subject="claim", names=names, subjects_by_record=subjects)
    for evidence_id, evidence_records in evidence.items():
        passage_id = evidence_records[-1].passage_id
        entries += entries_for(
            evidence_records,
            Evidence,
            subject=f"evidence {evidence_id} (passage {passage_id})",
            names=names,
        )
    return _newest_first(entries)


def source_history(*, source_pk: int) -> list[Entry]:
    """A source's own changes (its text as a summary: the revisions hold the text)."""
    records = _records(Source, id=source_pk)
    names = _Names()
    want_names(names, records, Source)
    names.load()
    return _newest_first(entries_for(records, Source, subject="source", names=names))


def passage_history(*, passage_pk: int) -> list[Entry]:
    """A passage's changes (re-anchorings included) and the evidence links made on it."""
    records = _records(Passage, id=passage_pk)
    evidence = _evidence_groups(passage_id=passage_pk)
    names = _Names()
    want_names(names, records, Passage)
    for evidence_records in evidence.values():
        want_names(names, evidence_records, Evidence)
    names.load()
    entries = entries_for(records, Passage, subject="passage", names=names)
    for evidence_id, evidence_records in evidence.items():
        claim_id = evidence_records[-1].claim_id
        entries += entries_for(
            evidence_records,
            Evidence,
            subject=f"evidence {evidence_id} (claim {claim_id})",
            names=names,
        )
    return _newest_first(entries)
