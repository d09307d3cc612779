"""Suggestions in the admin: for admins to look at, not to edit (the desk decides them)."""

from __future__ import annotations

from django.contrib import admin

from .models import SuggestedParty, Suggestion, SuggestionRun


class SuggestedPartyInline(admin.TabularInline):
    model = SuggestedParty
    extra = 0
    readonly_fields = ("position", "party", "written")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "rank", "score", "kind", "compliance", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["sentence"]
    list_select_related = ["source", "revision"]
    inlines = [SuggestedPartyInline]
    readonly_fields = [
        f.name for f in Suggestion._meta.get_fields() if f.concrete and not f.many_to_many
    ]

    def has_add_permission(self, request) -> bool:
        return False  # computed from the text, never typed in


@admin.register(SuggestionRun)
class SuggestionRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "rules_version", "suggested", "computed_at"]
    list_select_related = ["source", "revision__source"]
    readonly_fields = ["source", "revision", "rules_version", "suggested", "computed_at"]

    def has_add_permission(self, request) -> bool:
        return False
