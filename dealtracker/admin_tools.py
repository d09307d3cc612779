"""Shared pieces of the Django admin of the domain apps (admins only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import ProtectedError
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest


class ProtectedDeleteMixin(admin.ModelAdmin):
    """Say plainly what still points at a row when the database refuses a delete.

    The admin's delete confirmation page already lists protected rows; this
    covers deletes refused only when the database is asked (bulk deletes, a
    PROTECT reached through a cascade), which would otherwise be a 500.
    """

    refused_hint = "Unlink those first."

    def delete_model(self, request: HttpRequest, obj) -> None:
        try:
            super().delete_model(request, obj)
        except ProtectedError as exc:
            self.delete_refused(request, [obj], exc)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        try:
            super().delete_queryset(request, queryset)
        except ProtectedError as exc:
            self.delete_refused(request, list(queryset), exc)

    def delete_refused(self, request: HttpRequest, objs, exc: ProtectedError) -> None:
        blockers = sorted({f"{o._meta.verbose_name} “{o}”" for o in exc.protected_objects})
        shown = "; ".join(blockers[:10]) + (" …" if len(blockers) > 10 else "")
        names = ", ".join(f"“{o}”" for o in objs)
        self.message_user(
            request,
            f"{names} not deleted: still referred to by {shown}. {self.refused_hint}",
            messages.ERROR,
        )


class PreloadedChoiceIterator(ModelChoiceIterator):
    """Choices from a list loaded once per page, not one query per inline form."""

    field: Any  # a ModelChoiceField given its `preloaded` list by preload_choices

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.preloaded:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.preloaded) + (self.field.empty_label is not None)


def preload_choices(field, queryset) -> None:
    """Make a ModelChoiceField list queryset's rows from one query (shared by its copies)."""
    field.queryset = queryset
    field.preloaded = list(queryset)
    field.iterator = PreloadedChoiceIterator
    field.widget.choices = field.choices
