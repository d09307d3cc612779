"""Filters of the API's lists that have no HTML list page of their own (phases,
clauses, assessments). The other lists use the pages' forms (desk/forms/lists.py)."""

from __future__ import annotations

from django import forms

from dealtracker.claims.models import AssessmentLevel
from dealtracker.deals.models import Clause, ClauseCategory, Deal, Party, Phase, PhaseStatus

ANY = [("", "any")]


def _deal_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="Deal",
        queryset=Deal.objects.only("id", "slug", "title"),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "No deal has this slug."},
    )


def _party_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Party.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "No party has this slug."},
    )


class PhaseFilterForm(forms.Form):
    deal = _deal_field()
    status = forms.ChoiceField(label="Status", required=False, choices=ANY + PhaseStatus.choices)


class ClauseFilterForm(forms.Form):
    deal = _deal_field()
    phase = forms.IntegerField(
        label="Phase (its order within the deal; needs deal)",
        required=False,
        min_value=1,
        max_value=32767,
    )
    category = forms.ChoiceField(
        label="Category", required=False, choices=ANY + ClauseCategory.choices
    )
    party = _party_field("Obliges this party (its slug)")

    def clean(self):
        data = super().clean()
        self.phase_obj = None
        if data.get("phase") is not None:
            if data.get("deal") is None:
                self.add_error("phase", "Give a deal to filter by one of its phases.")
            else:
                self.phase_obj = Phase.objects.filter(
                    deal=data["deal"], order=data["phase"]
                ).first()
                if self.phase_obj is None:
                    self.add_error("phase", "This deal has no such phase.")
        return data


class AssessmentFilterForm(forms.Form):
    deal = _deal_field()
    clause = forms.CharField(
        label="Clause (its reference within the deal; needs deal)", required=False, max_length=20
    )
    party = _party_field("Party assessed (its slug)")
    level = forms.ChoiceField(label="Level", required=False, choices=ANY + AssessmentLevel.choices)

    def clean(self):
        data = super().clean()
        self.clause_obj = None
        if data.get("clause"):
            if data.get("deal") is None:
                self.add_error("clause", "Give a deal to filter by one of its clauses.")
            else:
                self.clause_obj = Clause.objects.filter(
                    deal=data["deal"], reference=data["clause"]
                ).first()
                if self.clause_obj is None:
                    self.add_error("clause", "This deal has no clause with that reference.")
        return data
