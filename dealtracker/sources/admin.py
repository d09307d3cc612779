"""Admin for sources, their revisions, passages and re-anchorings (admins only).

Revisions and re-anchoring outcomes are records of what happened: read-only
here. Texts are added and revised in the desk, where they are canonicalised
and passages re-anchored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from dealtracker.admin_tools import ProtectedDeleteMixin

from .models import Passage, Reanchoring, Source, SourceDocument, SourceRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added or edited here (deleting follows the parent's delete)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SourceRevisionInline(admin.TabularInline):
    model = SourceRevision
    extra = 0
    readonly_fields = ("number", "text_hash", "note", "created_by", "created_at")
    fields = readonly_fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = ["title", "outlet", "kind", "published_on", "language", "passage_count"]
    list_filter = ["kind", "language", "outlet"]
    search_fields = ["title", "outlet", "author", "url", "attribution"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["duplicate_of"]
    # An address typed without a scheme is taken as https:// (Django 6's default, said now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["text", "text_hash", "created_by", "created_at", "updated_at"]
    inlines = [SourceRevisionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "title",
                    "outlet",
                    "author",
                    "attribution",
                    "url",
                    "published_on",
                    "language",
                ]
            },
        ),
        ("Text (revise it in the desk)", {"fields": ["text", "text_hash", "duplicate_of"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_passage_count=Count("passages"))

    @admin.display(description="passages", ordering="_passage_count")
    def passage_count(self, obj: Any) -> int:  # a Source as get_queryset annotated it
        return obj._passage_count

    def get_readonly_fields(self, request, obj=None):
        # A new source needs its text typed in; after that the desk revises it.
        if obj is None:
            return ["text_hash", "created_by", "created_at", "updated_at"]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            from .canonical import canonicalize, text_hash

            obj.text = canonicalize(obj.text)
            obj.text_hash = text_hash(obj.text)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            SourceRevision.objects.create(
                source=obj,
                number=1,
                text=obj.text,
                text_hash=obj.text_hash,
                created_by=request.user,
            )
            return
        super().save_model(request, obj, form, change)


@admin.register(SourceRevision)
class SourceRevisionAdmin(ReadOnlyAdmin):
    list_display = ["source", "number", "text_hash", "created_at"]
    list_select_related = ["source"]
    search_fields = ["source__title", "note"]
    list_filter = ["created_at"]


@admin.register(Passage)
class PassageAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "source",
        "start",
        "end",
        "anchor_status",
        "needs_review",
        "has_note",
    ]
    list_filter = ["anchor_status", "needs_review"]
    list_select_related = ["source"]
    search_fields = ["quote", "note", "source__title"]
    # The span and quote come from the stored text (marked in the desk); only
    # the review flag and the internal note are edited here.
    readonly_fields = [
        "source",
        "start",
        "end",
        "quote",
        "prefix",
        "suffix",
        "revision_made",
        "revision_anchored",
        "anchor_status",
        "previous_quote",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:10], "needs_review", "note", *readonly_fields[10:]]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # passages are marked on the text, in the desk

    @admin.display(boolean=True, description="note")
    def has_note(self, obj: Passage) -> bool:
        return bool(obj.note)


@admin.register(Reanchoring)
class ReanchoringAdmin(ReadOnlyAdmin):
    list_display = [
        "passage",
        "status",
        "method",
        "score",
        "needs_review",
        "to_revision",
        "created_at",
    ]
    list_filter = ["status", "needs_review", "method"]
    list_select_related = ["passage", "to_revision__source"]
    search_fields = ["old_quote", "new_quote"]


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReadOnlyAdmin):
    """The kept originals (PDF, Word): uploaded in the desk, listed here for admins."""

    list_display = ["filename", "source", "content_type", "size", "page_count", "created_at"]
    list_select_related = ["source"]
    search_fields = ["filename", "sha256", "source__title"]
    list_filter = ["content_type", "created_at"]
    readonly_fields = [
        "source",
        "revision",
        "storage_name",
        "filename",
        "content_type",
        "size",
        "sha256",
        "page_count",
        "created_by",
        "created_at",
    ]
