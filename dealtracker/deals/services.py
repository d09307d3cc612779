"""Writes on parties, deals, phases and clauses that touch several rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.db import models, transaction

from .models import Party


class PartyMergeError(ValueError):
    """A merge that cannot be done as asked (nothing is changed)."""


def party_references(*, party: Party) -> list[tuple[str, list[str]]]:
    """What still points at a party: (what, [rows]) for every kind of row that refers to it.

    Found through the model metadata, so references from apps this one does not
    import (claims, assessments) are included without importing them.
    """
    found: list[tuple[str, list[str]]] = []
    for rel in Party._meta.related_objects:
        if rel.many_to_many and _custom_through(rel):
            continue  # a custom through model is reached by its own foreign key
        related = cast(
            "type[models.Model]", rel.related_model
        )  # never "self" on a reverse relation
        rows = list(related._default_manager.filter(**{rel.field.name: party})[:20])
        if not rows:
            continue
        what = f"{related._meta.verbose_name_plural} ({rel.field.verbose_name})"
        found.append((what, [str(row) for row in rows]))
    return found


def _custom_through(rel) -> bool:
    """Whether a many-to-many relation goes through a model of its own (DealParty)."""
    through = cast(models.ManyToManyRel, rel).through
    return through is not None and not through._meta.auto_created


def _merged_aliases(keep: Party, duplicates: Iterable[Party]) -> list[str]:
    """keep's aliases plus every other name the duplicates go by, without repeats."""
    own = {keep.name.casefold(), keep.short_name.casefold()}
    aliases: list[str] = []
    seen: set[str] = set()
    for name in [
        *keep.aliases,
        *(n for d in duplicates for n in (d.name, d.short_name, *d.aliases)),
    ]:
        key = name.strip().casefold()
        if not key or key in seen or key in own:
            continue
        seen.add(key)
        aliases.append(name.strip())
    return aliases


def _unique_field_sets(model: type[models.Model], field_name: str) -> list[tuple[str, ...]]:
    """The unique constraints of model that include field_name (unconditional ones)."""
    sets = [tuple(fields) for fields in model._meta.unique_together if field_name in fields]
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and constraint.condition is None
            and field_name in constraint.fields
        ):
            sets.append(tuple(constraint.fields))
    return sets


def _move_foreign_keys(rel, *, keep: Party, duplicate: Party) -> None:
    """Point every row of a foreign key at keep; a row keep already has is dropped."""
    model = rel.related_model
    field = rel.field
    if field.unique or field.one_to_one:
        if model._default_manager.filter(**{field.name: keep}).exists():
            raise PartyMergeError(
                f"Both {keep} and {duplicate} have a {model._meta.verbose_name}; resolve it first."
            )
    unique_sets = _unique_field_sets(model, field.name)
    for row in model._default_manager.filter(**{field.name: duplicate}).order_by("pk"):
        twin = None
        for fields in unique_sets:
            others = {
                f: getattr(row, model._meta.get_field(f).attname) for f in fields if f != field.name
            }
            twin_qs = model._default_manager.filter(
                **{field.name: keep},
                **{model._meta.get_field(f).attname: v for f, v in others.items()},
            )
            if twin_qs.exists():
                twin = twin_qs.first()
                break
        if twin is not None:
            # e.g. both were mediators of the same deal: keep's row already says it.
            row.delete()
        else:
            setattr(row, field.name, keep)
            row.save()


def _move_many_to_many(rel, *, keep: Party, duplicate: Party) -> None:
    """Swap duplicate for keep in every many-to-many set (add() skips sets that have keep)."""
    accessor = rel.field.name
    for row in rel.related_model._default_manager.filter(**{accessor: duplicate}).order_by("pk"):
        manager = getattr(row, accessor)
        manager.remove(duplicate)
        manager.add(keep)


@transaction.atomic
def party_merge(*, keep: Party, duplicates: Iterable[Party]) -> Party:
    """Merge duplicate parties into keep, in one transaction.

    Every reference to a duplicate (deals, obligations, claims, subjects,
    assessments, ...) is moved to keep; the duplicates' names become keep's
    aliases; then the duplicates are deleted. If any step fails nothing changes.
    """
    duplicates = [d for d in duplicates]
    if not duplicates:
        raise PartyMergeError("Choose at least one duplicate to merge.")
    if any(d.pk == keep.pk for d in duplicates):
        raise PartyMergeError(f"{keep} cannot be merged into itself.")
    # Lock the rows so a concurrent edit cannot re-point at a duplicate mid-merge.
    locked = list(
        Party.objects.select_for_update().filter(pk__in=[keep.pk, *[d.pk for d in duplicates]])
    )
    if len(locked) != len(duplicates) + 1:
        raise PartyMergeError("A party to merge no longer exists.")
    keep.refresh_from_db()
    for duplicate in duplicates:
        for rel in Party._meta.related_objects:
            if rel.many_to_many:
                if not _custom_through(rel):
                    _move_many_to_many(rel, keep=keep, duplicate=duplicate)
                # A custom through model (DealParty) is moved by its own foreign key.
                continue
            _move_foreign_keys(rel, keep=keep, duplicate=duplicate)
    keep.aliases = _merged_aliases(keep, duplicates)
    keep.save()
    for duplicate in duplicates:
        duplicate.delete()
    return keep
