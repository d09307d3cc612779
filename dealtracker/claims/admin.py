"""Admin for claims, evidence, verification changes and assessments (admins only).

Editors do this work in the desk; the admin is for admins repairing data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from dealtracker.admin_tools import ProtectedDeleteMixin

from .models import (
    AgreementText,
    Assessment,
    Claim,
    ClauseAnchor,
    ClauseProposal,
    Evidence,
    VerificationChange,
)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    autocomplete_fields = ["passage"]
    fields = ["passage", "relation", "note"]


class VerificationChangeInline(admin.TabularInline):
    model = VerificationChange
    extra = 0
    readonly_fields = ("from_status", "to_status", "note", "changed_by", "changed_at")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # the desk records these when an editor changes the status


class PublishedAtMixin:
    """Publishing from the admin stamps published_at, as the database requires."""

    def save_model(self, request, obj, form, change):
        if obj.is_published and obj.published_at is None:
            obj.published_at = timezone.now()
        if not obj.is_published:
            obj.published_at = None
        super().save_model(request, obj, form, change)


@admin.register(Claim)
class ClaimAdmin(PublishedAtMixin, ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "kind",
        "compliance",
        "claimed_by_display",
        "deal",
        "clause",
        "made_on",
        "verification",
        "is_published",
        "evidence_count",
    ]
    list_filter = ["is_published", "kind", "compliance", "verification", "deal", "subjects"]
    list_select_related = ["claimant", "deal", "clause"]
    search_fields = ["statement", "attribution", "claimant__name"]
    autocomplete_fields = ["claimant", "subjects", "deal", "phase", "clause"]
    readonly_fields = ["published_at", "version", "created_by", "created_at", "updated_at"]
    date_hierarchy = "made_on"
    inlines = [EvidenceInline, VerificationChangeInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "kind",
                    "compliance",
                    ("made_on", "made_on_precision"),
                    "language",
                ]
            },
        ),
        ("Who says it, about whom", {"fields": ["claimant", "attribution", "subjects"]}),
        ("About", {"fields": ["deal", "phase", "clause"]}),
        ("Newsroom", {"fields": ["verification", "is_published", "published_at", "version"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_evidence_count=Count("evidence"))

    @admin.display(description="claimed by", ordering="attribution")
    def claimed_by_display(self, obj: Claim) -> str:
        return obj.claimed_by

    @admin.display(description="evidence", ordering="_evidence_count")
    def evidence_count(self, obj: Any) -> int:  # a Claim as get_queryset annotated it
        return obj._evidence_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        else:
            obj.version += 1  # the desk's optimistic lock sees the admin's edit
        super().save_model(request, obj, form, change)


@admin.register(Evidence)
class EvidenceAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "claim", "relation", "passage"]
    list_filter = ["relation"]
    list_select_related = ["claim", "passage"]
    search_fields = ["claim__statement", "passage__quote", "note"]
    autocomplete_fields = ["claim", "passage"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(VerificationChange)
class VerificationChangeAdmin(admin.ModelAdmin):
    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    list_select_related = ["claim", "changed_by"]
    search_fields = ["claim__statement", "note"]
    readonly_fields = ["claim", "from_status", "to_status", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # recorded by the desk when an editor changes a claim's status


@admin.register(Assessment)
class AssessmentAdmin(PublishedAtMixin, ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = ["clause", "party", "assessed_on", "level", "is_published"]
    list_filter = ["level", "is_published", "party", "clause__deal"]
    list_select_related = ["clause", "party"]
    search_fields = ["rationale", "clause__title", "clause__reference", "party__name"]
    autocomplete_fields = ["clause", "party", "claims"]
    readonly_fields = ["published_at", "created_by", "created_at", "updated_at"]
    date_hierarchy = "assessed_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- agreements -----------------------------------------------------------------------


@admin.register(AgreementText)
class AgreementTextAdmin(SimpleHistoryAdmin):
    list_display = ["deal", "source", "role", "position"]
    list_filter = ["role"]
    list_select_related = ["deal", "source"]
    autocomplete_fields = ["deal", "source"]
    search_fields = ["deal__title", "source__title"]


@admin.register(ClauseAnchor)
class ClauseAnchorAdmin(SimpleHistoryAdmin):
    list_display = ["clause", "passage", "created_at"]
    list_select_related = ["clause__deal", "passage"]
    autocomplete_fields = ["clause", "passage"]
    search_fields = ["clause__reference", "clause__title", "passage__quote"]


@admin.register(ClauseProposal)
class ClauseProposalAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "deal", "status", "clause", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["deal", "clause"]
    autocomplete_fields = ["deal", "passage", "clause"]
    search_fields = ["reference", "title", "deal__title"]
