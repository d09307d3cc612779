"""Forms of the reading view's annotating panel and the claim editor."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.services import EDITABLE_FIELDS, claim_validate
from dealtracker.deals.models import Clause, Deal, Party, Phase

NOTE_MAX = 2000


class ClaimForm(forms.ModelForm):
    """The claim's editable fields; the business rules come from claims.services."""

    class Meta:
        model = Claim
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "made_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "subjects": forms.SelectMultiple(attrs={"size": 5}),
        }
        labels = {
            "claimant": "Claimed by (party)",
            "attribution": "Attribution (who says it, in words)",
            "subjects": "About (parties)",
            "made_on": "Date made",
            "made_on_precision": "Date precision",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claimant"].queryset = Party.objects.order_by("name", "id")
        self.fields["subjects"].queryset = Party.objects.order_by("name", "id")
        self.fields["deal"].queryset = Deal.objects.order_by("title", "id")
        self.fields["phase"].queryset = Phase.objects.select_related("deal").order_by(
            "deal__title", "order"
        )
        self.fields["clause"].queryset = Clause.objects.select_related("deal").order_by(
            "deal__title", "position", "reference"
        )
        self.fields["clause"].label_from_instance = lambda c: f"{c.deal.title} — {c}"
        self.fields["phase"].label_from_instance = lambda p: (
            f"{p.deal.title} — phase {p.order}: {p.name}"
        )
        self.fields["compliance"].help_text = "Only for compliance claims."

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                claim_validate(cleaned)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class ClaimEditForm(ClaimForm):
    """The claim form plus the version the editor opened (optimistic concurrency)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    relation = forms.ChoiceField(
        choices=Evidence.Relation.choices,
        initial=Evidence.Relation.STATES,
        label="The passage … the claim",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (internal)",
    )


class LinkClaimForm(EvidenceForm):
    claim = forms.ModelChoiceField(
        queryset=Claim.objects.all(),
        label="Claim",
        error_messages={
            "required": "Choose a claim to link (type to search).",
            "invalid_choice": "That claim does not exist (any more).",
        },
    )


class VerificationForm(forms.Form):
    status = forms.ChoiceField(choices=Claim.Verification.choices, label="Verification status")
    note = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why (internal note)",
        error_messages={"required": "Say briefly why the status changes."},
    )


class PassageNoteForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note on this passage (internal)",
    )
