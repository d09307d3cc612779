"""The implementation record's form: recording an assessment of a clause."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from dealtracker.claims.models import AssessmentLevel, Claim
from dealtracker.deals.models import Clause


class AssessmentForm(forms.Form):
    party = forms.ChoiceField(label="Party")
    assessed_on = forms.DateField(
        label="Assessed on",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    level = forms.ChoiceField(
        label="Implementation", choices=AssessmentLevel.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label="Rationale", max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    claims = forms.MultipleChoiceField(
        label="Claims it rests on", required=False, widget=forms.CheckboxSelectMultiple
    )
    publish = forms.BooleanField(label="Publish now", required=False)

    def __init__(self, *args, clause: Clause, claims: list[Claim], **kwargs):
        super().__init__(*args, **kwargs)
        self.clause = clause
        self.claim_objects = {str(c.pk): c for c in claims}
        self.fields["party"].choices = [(str(p.pk), p.name) for p in clause.obliged_parties.all()]
        self.fields["claims"].choices = [
            (str(c.pk), f"{c.statement} — {c.claimed_by}") for c in claims
        ]

    def clean_assessed_on(self) -> dt.date:
        # Said here too, so the form shows it along with the other fields' errors.
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise ValidationError("An assessment cannot be dated in the future.")
        return day

    def selected_claims(self) -> list[Claim]:
        return [self.claim_objects[pk] for pk in self.cleaned_data.get("claims", [])]
