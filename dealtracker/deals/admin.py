"""Admin for parties, deals, phases and clauses (admins only; editors work in the desk)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import CharField, Count, F, Func, ProtectedError, Q, Value
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from dealtracker.admin_tools import ProtectedDeleteMixin, preload_choices

from .models import Clause, Deal, DealParty, Party, Phase
from .services import PartyMergeError, party_merge, party_references


class PartyMergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Party.objects.none(),
        widget=forms.RadioSelect,
        label="Party to keep",
        help_text="Every reference to the others moves to it; their names become its aliases.",
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = parties


@admin.register(Party)
class PartyAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    refused_hint = "Unlink those first, or merge the party into the one to keep."
    list_display = ["name", "short_name", "kind", "slug", "deal_count"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    actions = ["merge_parties"]
    # Explicit: the deal count's GROUP BY sets the model's default ordering aside, and the
    # autocomplete pages through this queryset.
    ordering = ["name", "id"]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(_deal_count=Count("memberships__deal", distinct=True))
        )

    @admin.display(description="deals", ordering="_deal_count")
    def deal_count(self, obj: Any) -> int:  # a Party as get_queryset annotated it
        return obj._deal_count

    def get_search_results(self, request, queryset, search_term):
        # Aliases are an array: search them as one string, so "Islamic Resistance" finds Hamas.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            by_alias = Party.objects.annotate(
                _aliases=Func(
                    F("aliases"), Value(" "), function="array_to_string", output_field=CharField()
                )
            ).filter(_aliases__icontains=search_term)
            found = queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=by_alias.values("pk")))
        return found, may_have_duplicates

    @admin.action(description="Merge selected parties (keep one, the others become its aliases)")
    def merge_parties(self, request: HttpRequest, queryset) -> HttpResponse | None:
        if not self.has_change_permission(request) or not self.has_delete_permission(request):
            self.message_user(request, "Merging needs change and delete rights.", messages.ERROR)
            return None
        parties = queryset.order_by("name", "pk")
        if parties.count() < 2:
            self.message_user(request, "Select at least two parties to merge.", messages.WARNING)
            return None
        form = PartyMergeForm(request.POST if "merge" in request.POST else None, parties=parties)
        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            duplicates = [p for p in parties if p.pk != keep.pk]
            names = ", ".join(f"“{p}”" for p in duplicates)
            try:
                party_merge(keep=keep, duplicates=duplicates)
            except (PartyMergeError, ProtectedError) as exc:
                self.message_user(request, f"Nothing was merged: {exc}", messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged {names} into “{keep}”; their names are now its aliases.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge parties",
            "opts": self.model._meta,
            "form": form,
            "parties": [(p, party_references(party=p)) for p in parties],
            "selected": [str(p.pk) for p in parties],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/deals/party/merge.html", context)


class DealPartyInline(admin.TabularInline):
    model = DealParty
    extra = 0
    autocomplete_fields = ["party"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("party", "deal")


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("deal")

    fields = [
        ("order", "name", "status"),
        "description",
        ("planned_start", "planned_start_precision", "planned_end", "planned_end_precision"),
        ("actual_start", "actual_start_precision", "actual_end", "actual_end_precision"),
    ]


class ClauseInline(admin.TabularInline):
    """The deal's terms at a glance; obliged parties and deadlines on each clause's page."""

    model = Clause
    fk_name = "deal"
    extra = 0
    fields = ["reference", "position", "title", "category", "phase"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("deal")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Only this deal's phases make sense for its clauses; listed with one query.
        phases = (
            Phase.objects.filter(deal=obj).select_related("deal") if obj else Phase.objects.none()
        )
        preload_choices(formset.form.base_fields["phase"], phases)
        return formset


@admin.register(Deal)
class DealAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "status",
        "date_agreed_display",
        "stage",
        "purpose",
        "mediated",
        "answers",
    ]
    list_filter = ["status", "purpose", "stage", "form", "mediated"]
    list_select_related = ["answers"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["supersedes", "answers"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "date_agreed"
    inlines = [DealPartyInline, PhaseInline, ClauseInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "status",
                    "summary",
                    ("date_agreed", "date_agreed_precision"),
                ]
            },
        ),
        ("Relations", {"fields": ["supersedes", "answers"]}),
        (
            "Ceasefire facts",
            {
                "fields": [
                    ("purpose", "stage", "form", "mediated"),
                    "mechanisms",
                    ("declared_on", "effective_on", "ended_on"),
                ]
            },
        ),
        ("Internal", {"fields": ["editor_note", "language", "created_at", "updated_at"]}),
    ]

    @admin.display(description="agreed", ordering="date_agreed")
    def date_agreed_display(self, obj: Deal) -> str:
        return obj.date_agreed_display


@admin.register(Phase)
class PhaseAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "deal",
        "order",
        "status",
        "planned_start",
        "actual_start",
        "actual_end",
    ]
    list_filter = ["status", "deal"]
    list_select_related = ["deal"]
    search_fields = ["name", "deal__title"]
    autocomplete_fields = ["deal"]
    ordering = ["deal__title", "order"]


@admin.register(Clause)
class ClauseAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = ["reference", "title", "deal", "phase", "category", "deadline_date"]
    list_filter = ["category", "deal"]
    list_select_related = ["deal", "phase__deal"]
    search_fields = ["reference", "title", "text", "deal__title"]
    autocomplete_fields = ["deal", "phase", "deadline_phase", "obliged_parties"]
    ordering = ["deal__title", "position", "reference"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "deal",
                    ("reference", "position"),
                    "title",
                    "text",
                    "category",
                    "phase",
                    "language",
                ]
            },
        ),
        ("Obligations", {"fields": ["obliged_parties"]}),
        (
            "Deadline",
            {
                "description": "Either a date, or a delay after the start or end of a phase.",
                "fields": [
                    ("deadline_date", "deadline_date_precision"),
                    ("deadline_delay", "deadline_delay_unit", "deadline_anchor", "deadline_phase"),
                ],
            },
        ),
    ]


@admin.register(DealParty)
class DealPartyAdmin(ProtectedDeleteMixin, SimpleHistoryAdmin):
    list_display = ["party", "role", "deal"]
    list_filter = ["role"]
    list_select_related = ["party", "deal"]
    search_fields = ["party__name", "deal__title"]
    autocomplete_fields = ["party", "deal"]
