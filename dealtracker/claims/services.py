"""Writes on claims and evidence: each one function, atomic, named as in DESIGN.md.

Claims are saved with optimistic concurrency: a save names the version the
editor opened and the values it showed then (its *base*). When someone else
saved in between, the save is a three-way merge of base, theirs (the claim
now) and mine (the form): a field only one side changed takes that side's
value; a field both changed to different values is a conflict, and then
nothing is written — `ClaimConflict` lists the conflicts for the editor to
choose, field by field. Row locks follow dealtracker/concurrency.py; a claim
or link deleted meanwhile raises `Gone`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from dealtracker.concurrency import lock
from dealtracker.deals.loose_dates import DatePrecision
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.display import field_value
from dealtracker.sources.models import Passage, Source
from dealtracker.text import single_line, strip_controls

from .models import Claim, Evidence, VerificationChange

# The fields an editor edits in the claim form (verification and publishing
# have their own endpoints, with a note and a confirmation).
EDITABLE_FIELDS = (
    "statement",
    "claimant",
    "attribution",
    "subjects",
    "deal",
    "phase",
    "clause",
    "kind",
    "compliance",
    "made_on",
    "made_on_precision",
    "language",
)
# Fields shown in a "changed since you opened it" diff, beyond the editable ones.
DIFF_FIELDS = (*EDITABLE_FIELDS, "verification", "is_published")


def clean_text(value: str | None) -> str:
    """A note as typed, without control characters (dealtracker/text.py)."""
    return strip_controls(value).strip()


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    opened: str
    current: str
    yours: str | None = None


class ClaimChanged(Exception):
    """Someone saved the claim after the editor opened it; nothing was written."""

    def __init__(self, claim: Claim, expected_version: int, changes: list[Change]) -> None:
        self.claim = claim
        self.expected_version = expected_version
        self.changes = changes
        super().__init__(
            f"This claim was changed by someone else since you opened it "
            f"(you opened version {expected_version}, it is now version {claim.version})."
        )


@dataclass(frozen=True)
class FieldConflict:
    """A field both editors changed, to different values: the editor chooses."""

    field: str
    label: str
    opened: str  # as the editor saw it when opening the form
    theirs: str  # as saved now
    mine: str  # as the editor typed it
    mine_value: Any  # claim_values() form of mine, to take it when chosen


class ClaimConflict(ClaimChanged):
    """Both this editor and someone else changed some fields: nothing was written.

    `theirs` are the claim's values now (the base of the next attempt);
    `conflicts` the fields to choose; `mine_changes` the fields this editor
    alone changed (kept in the form); `their_changes` what the other changed.
    """

    def __init__(
        self,
        claim: Claim,
        expected_version: int,
        changes: list[Change],
        *,
        conflicts: list[FieldConflict],
        theirs: dict[str, Any],
        their_changes: list[str],
        mine_changes: list[str],
    ) -> None:
        super().__init__(claim, expected_version, changes)
        self.conflicts = conflicts
        self.theirs = theirs
        self.their_changes = their_changes
        self.mine_changes = mine_changes


@dataclass
class ClaimSaved:
    """What claim_update did: the claim, and the other editor's changes it kept."""

    claim: Claim
    merged_from_others: list[str] = dataclass_field(default_factory=list)


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _label(field: str) -> str:
    return str(cast(models.Field, Claim._meta.get_field(field)).verbose_name)


def _display(claim, field: str, value: Any = None, *, use_value: bool = False) -> str:
    """A field's value as an editor reads it, by the formatter the change history uses
    (dealtracker/display.py): choice labels, names, loose dates."""
    model_field = cast(models.Field, Claim._meta.get_field(field))
    if field == "subjects":
        parties = value if use_value else claim.subjects.all()
        return field_value(model_field, sorted(str(p) for p in parties))
    if not use_value:
        value = getattr(claim, field)
    precision = None
    if field == "made_on":
        precision = getattr(claim, "made_on_precision", DatePrecision.DAY) or DatePrecision.DAY
    return field_value(model_field, value, precision=precision)


def _opened_snapshot(claim: Claim, version: int) -> dict[str, str] | None:
    """The claim's values as they were at `version`, from its history (None if not kept)."""
    record = claim.history.filter(version=version).order_by("-history_date", "-history_id").first()
    if record is None:
        return None
    snapshot = {}
    for field in DIFF_FIELDS:
        if field == "subjects":
            ids = list(record.subjects.values_list("party_id", flat=True))
            snapshot[field] = _display(
                None, field, Party.objects.filter(pk__in=ids), use_value=True
            )
        else:
            try:
                value = getattr(record, field)
            except Exception:  # a related row deleted since: show what is known
                value = getattr(record, f"{field}_id", None)
            snapshot[field] = _display(record, field, value, use_value=True)
    return snapshot


def claim_changes(*, claim: Claim, expected_version: int, data: dict | None = None) -> list[Change]:
    """What differs between the version the editor opened and the claim now."""
    current = {f: _display(claim, f) for f in DIFF_FIELDS}
    opened = _opened_snapshot(claim, expected_version)
    yours = {}
    if data is not None:
        for f in EDITABLE_FIELDS:
            if f in data:
                yours[f] = _display(claim, f, data[f], use_value=True)
    changes = []
    for f in DIFF_FIELDS:
        if opened is not None:
            differs = opened[f] != current[f]
        else:
            # Without a record of what was opened, show where the editor's
            # values and the stored ones disagree.
            differs = f in yours and yours[f] != current[f]
        if differs:
            changes.append(
                Change(f, _label(f), opened[f] if opened else "?", current[f], yours.get(f))
            )
    return changes


_RELATED: dict[str, type[models.Model]] = {
    "claimant": Party,
    "deal": Deal,
    "phase": Phase,
    "clause": Clause,
}
# A base value that is not known (no record of the opened version).
_UNKNOWN = object()


def canonical_value(name: str, value: Any) -> Any:
    """A field's value in a plain, comparable, JSON-able form (ids, ISO dates, cleaned text)."""
    if name == "subjects":
        return sorted(getattr(p, "pk", p) for p in (value or []))
    if name in _RELATED:
        return getattr(value, "pk", value) or None
    if name == "made_on":
        return value.isoformat() if value else None
    if name in ("statement", "attribution"):
        return clean_text(value)
    if name == "compliance":
        return value or ""
    if name == "made_on_precision":
        return value or DatePrecision.DAY
    return value if value is not None else ""


def claim_values(claim: Claim) -> dict[str, Any]:
    """The claim's editable fields in comparable form: what a form *started from*."""
    values = {}
    for name in EDITABLE_FIELDS:
        if name == "subjects":
            values[name] = canonical_value(name, [p.pk for p in claim.subjects.all()])
        elif name in _RELATED:
            values[name] = getattr(claim, f"{name}_id")
        else:
            values[name] = canonical_value(name, getattr(claim, name))
    return values


def claim_values_at(claim: Claim, version: int) -> dict[str, Any] | None:
    """The claim's values as they were at `version`, from its history (None if not kept)."""
    record = claim.history.filter(version=version).order_by("-history_date", "-history_id").first()
    if record is None:
        return None
    values = {}
    for name in EDITABLE_FIELDS:
        if name == "subjects":
            values[name] = canonical_value(name, record.subjects.values_list("party_id", flat=True))
        elif name in _RELATED:
            values[name] = getattr(record, f"{name}_id")
        else:
            values[name] = canonical_value(name, getattr(record, name))
    return values


def claim_value_from(name: str, value: Any) -> Any:
    """The inverse of canonical_value: a value claim_update takes (model instances, dates)."""
    if name == "subjects":
        return list(Party.objects.filter(pk__in=value or []).order_by("name", "id"))
    if name in _RELATED:
        return _RELATED[name]._default_manager.filter(pk=value).first() if value else None
    if name == "made_on":
        return dt.date.fromisoformat(value) if value else None
    return value


def display_value(name: str, value: Any, precision: str = DatePrecision.DAY) -> str:
    """A canonical value (canonical_value) as an editor reads it: names, labels, loose dates."""
    model_field = cast(models.Field, Claim._meta.get_field(name))
    if name == "subjects":
        names = (
            Party.objects.filter(pk__in=value or []).order_by("name").values_list("name", flat=True)
        )
        return field_value(model_field, list(names))
    if name in _RELATED:
        obj = _RELATED[name]._default_manager.filter(pk=value).first() if value else None
        return field_value(model_field, obj)
    if name == "made_on":
        day = dt.date.fromisoformat(value) if value else None
        return field_value(model_field, day, precision=precision)
    return _display(None, name, value, use_value=True)


def claim_validate(data: dict[str, Any]) -> None:
    """The rules a claim's fields must keep together; raises ValidationError by field."""
    errors: dict[str, str] = {}
    kind = data.get("kind") or Claim.Kind.OTHER
    compliance = data.get("compliance") or ""
    if kind == Claim.Kind.COMPLIANCE and not compliance:
        errors["compliance"] = "A compliance claim must say which compliance it asserts."
    if kind != Claim.Kind.COMPLIANCE and compliance:
        errors["compliance"] = "Only a compliance claim asserts a compliance; leave it empty."
    deal = data.get("deal")
    phase = data.get("phase")
    clause = data.get("clause")
    if phase is not None and (deal is None or phase.deal_id != deal.pk):
        errors["phase"] = "The phase must belong to the claim's deal."
    if clause is not None and (deal is None or clause.deal_id != deal.pk):
        errors["clause"] = "The clause must belong to the claim's deal."
    if clause is not None and phase is not None and clause.phase_id not in (None, phase.pk):
        errors.setdefault("clause", "The clause belongs to another phase than the one chosen.")
    if not (data.get("statement") or "").strip():
        errors["statement"] = "Say what is claimed."
    if errors:
        raise ValidationError(errors)


def _apply(claim: Claim, data: dict[str, Any]) -> list | None:
    subjects = None
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        if field == "subjects":
            subjects = list(data[field] or [])
            continue
        value = data[field]
        if field in {"statement", "attribution"}:
            value = single_line(value)
        if field == "compliance":
            value = value or ""
        if field == "made_on_precision":
            value = value or DatePrecision.DAY
        setattr(claim, field, value)
    return subjects


@transaction.atomic
def claim_create(
    *,
    data: dict[str, Any],
    by=None,
    passage: Passage | None = None,
    relation: str = Evidence.Relation.STATES,
    note: str = "",
    publish: bool = False,
) -> Claim:
    """Create a claim, a draft unless `publish`; with a passage, it rests on it (one transaction).

    Raises Gone when the passage was deleted meanwhile (nothing is created then).
    """
    claim_validate(data)
    claim = Claim(created_by=_user(by))
    subjects = _apply(claim, data)
    if publish:
        claim.is_published = True
        claim.published_at = timezone.now()
    claim.save()
    if subjects:
        claim.subjects.set(subjects)
    if passage is not None:
        evidence_link(claim=claim, passage=passage, relation=relation, note=note, by=by)
    return claim


def _merge(
    current: Claim, expected_version: int, data: dict[str, Any], base: dict | None
) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge of a stale save: what to write, and the fields the other side changed.

    Raises ClaimConflict when a field was changed on both sides to different
    values. Without a known base (no history of the opened version) every
    field where mine and theirs differ is a conflict: nothing is assumed.
    """
    if base is None:
        base = claim_values_at(current, expected_version) or {}
    theirs = claim_values(current)
    to_write: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        mine, was, now = canonical_value(name, data[name]), base.get(name, _UNKNOWN), theirs[name]
        if mine == now or mine == was:
            continue  # nothing of mine to write (same as theirs, or untouched by me)
        if now == was:
            to_write[name] = data[name]  # only I changed it
            continue
        precision = data.get("made_on_precision") or DatePrecision.DAY
        conflicts.append(
            FieldConflict(
                field=name,
                label=_label(name),
                opened="?" if was is _UNKNOWN else display_value(name, was),
                theirs=display_value(name, now, current.made_on_precision),
                mine=display_value(name, mine, precision),
                mine_value=mine,
            )
        )
    their_changes = [
        n for n in EDITABLE_FIELDS if base.get(n, _UNKNOWN) not in (_UNKNOWN, theirs[n])
    ]
    if conflicts:
        raise ClaimConflict(
            current,
            expected_version,
            claim_changes(claim=current, expected_version=expected_version, data=data),
            conflicts=conflicts,
            theirs=theirs,
            their_changes=their_changes,
            mine_changes=list(to_write),
        )
    return to_write, their_changes


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    data: dict[str, Any],
    expected_version: int,
    base: dict[str, Any] | None = None,
    by=None,
) -> ClaimSaved:
    """Save an editor's changes, merging them with a save made in between.

    `base` is claim_values() of the version the editor opened (the form
    carries it); without it, the history of that version stands in. The row is
    locked (SELECT ... FOR UPDATE) before its version is compared, so of two
    concurrent saves naming the same version the second merges with the first.
    Raises ClaimConflict (nothing written) when both changed a field, Gone when
    the claim was deleted, ValidationError when the merged claim breaks a rule.
    """
    current = lock(Claim, claim.pk, what="claim")
    merged_from_others: list[str] = []
    if current.version != expected_version:
        data, merged_from_others = _merge(current, expected_version, data, base)
    merged = {f: getattr(current, f) for f in EDITABLE_FIELDS if f != "subjects"}
    merged.update(data)
    claim_validate(merged)
    subjects = _apply(current, data)
    current.version += 1
    current.save()
    if subjects is not None:
        current.subjects.set(subjects)
    return ClaimSaved(current, [_label(n) for n in merged_from_others])


def _bump(claim: Claim, **fields) -> Claim:
    """Change a few fields of a locked claim and its version (others' open forms go stale)."""
    current = lock(Claim, claim.pk, what="claim")
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    current.save()
    return current


@transaction.atomic
def claim_publish(*, claim: Claim, by=None) -> Claim:
    if claim.is_published:
        return claim
    return _bump(claim, is_published=True, published_at=timezone.now())


@transaction.atomic
def claim_unpublish(*, claim: Claim, by=None) -> Claim:
    if not claim.is_published:
        return claim
    return _bump(claim, is_published=False, published_at=None)


@transaction.atomic
def claim_verification_set(*, claim: Claim, status: str, note: str, by=None) -> VerificationChange:
    """Change the verification status with the editor's short note (kept as a VerificationChange)."""
    note = clean_text(note)
    errors = {}
    if status not in Claim.Verification.values:
        errors["status"] = "Choose one of the verification statuses."
    if not note:
        errors["note"] = "Say briefly why the status changes."
    if errors:
        raise ValidationError(errors)
    current = lock(Claim, claim.pk, what="claim")
    if current.verification == status:
        raise ValidationError(
            {"status": f"The claim is already {current.get_verification_display()}."}
        )
    change = VerificationChange.objects.create(
        claim=current,
        from_status=current.verification,
        to_status=status,
        note=note,
        changed_by=_user(by),
    )
    _bump(current, verification=status)
    return change


@transaction.atomic
def claim_delete(*, claim: Claim, by=None) -> None:
    """Delete a claim with its evidence links; history keeps both (restorable).

    Locks the claim, then its evidence in id order (concurrency.py); Gone when
    the claim is already deleted.
    """
    current = lock(Claim, claim.pk, what="claim")
    # Evidence one by one so each gets its own history row before the claim goes.
    for evidence in Evidence.objects.filter(claim=current).order_by("id").select_for_update():
        evidence.delete()
    current.delete()


@transaction.atomic
def evidence_link(
    *,
    claim: Claim,
    passage: Passage,
    relation: str = Evidence.Relation.STATES,
    note: str = "",
    by=None,
) -> Evidence:
    """Rest a claim on a passage (at most once per claim and passage).

    The passage, then the claim, are locked against deletion first
    (concurrency.py): a passage or claim deleted meanwhile raises Gone here
    instead of a foreign-key error at commit.
    """
    if relation not in Evidence.Relation.values:
        raise ValidationError({"relation": "Choose states, supports, disputes or context."})
    lock(Passage, passage.pk, what="passage", no_key=True)
    lock(Claim, claim.pk, what="claim", no_key=True)
    if Evidence.objects.filter(claim=claim, passage=passage).exists():
        raise ValidationError(
            {"claim": f"Claim {claim.pk} already rests on this passage; edit that link instead."}
        )
    try:
        with transaction.atomic():
            return Evidence.objects.create(
                claim=claim,
                passage=passage,
                relation=relation,
                note=clean_text(note),
                created_by=_user(by),
            )
    except IntegrityError:
        # A concurrent link of the same pair won the unique constraint.
        raise ValidationError(
            {"claim": f"Claim {claim.pk} already rests on this passage; edit that link instead."}
        ) from None


@transaction.atomic
def evidence_update(*, evidence: Evidence, relation: str, note: str, by=None) -> Evidence:
    """Change a link's relation and note; Gone when the link was removed meanwhile."""
    if relation not in Evidence.Relation.values:
        raise ValidationError({"relation": "Choose states, supports, disputes or context."})
    current = lock(Evidence, evidence.pk, what="link")
    current.relation = relation
    current.note = clean_text(note)
    current.save(update_fields=["relation", "note", "updated_at"])
    return current


@transaction.atomic
def evidence_unlink(*, evidence: Evidence, by=None) -> None:
    """Remove a link; Gone when it was removed meanwhile."""
    lock(Evidence, evidence.pk, what="link").delete()


def deal_for_new_claim(*, source: Source, came_from: Deal | None = None) -> Deal | None:
    """The deal a claim made from this source belongs to (DESIGN.md: a source knows no deals).

    The deal of the page the editor came from wins; else the deal most of the
    source's existing claims belong to (ties: the lowest id, to be stable).
    """
    if came_from is not None:
        return came_from
    rows = (
        Claim.objects.filter(evidence__passage__source=source, deal__isnull=False)
        .values_list("id", "deal_id")
        .distinct()
    )
    deal_ids = Counter(deal_id for _, deal_id in rows)
    if not deal_ids:
        return None
    best = max(deal_ids.values())
    return Deal.objects.filter(pk=min(k for k, v in deal_ids.items() if v == best)).first()
