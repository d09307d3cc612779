"""Forms of the reading view's annotating panel and the claim editor.

The claim form is one form for a new claim (in the passage panel, prefix
"claim") and for editing one (the claim page, no prefix):

- the deal narrows the phase and clause lists to its own (labelled number
  first: "2.1 Permanent ceasefire"); changing it fetches them again (HTMX),
  or, without JavaScript, "Show the deal's phases and terms" does;
- claimant and subjects are party pickers (desk/pickers.py), not selects;
- the language is chosen from a list, the detected one pre-selected;
- choosing an asserted compliance makes an "other" claim a compliance claim
  (the one kind that asserts one), saving the editor a step;
- the edit form carries the version and the values it started from (signed),
  so a save made in between is merged field by field (claims/services.py) and
  a conflict is shown with a choice per field (ClaimEditForm.for_conflict).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import global_settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.services import (
    EDITABLE_FIELDS,
    ClaimConflict,
    claim_validate,
    claim_value_from,
    claim_values,
    display_value,
)
from dealtracker.deals.loose_dates import DatePrecision
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.desk.formtools import ErrorListMixin
from dealtracker.desk.pickers import PartyPicker, ids_from, party_suggestions
from dealtracker.text import single_line

NOTE_MAX = 2000
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Base languages only ("ar", not "ar-dz"), by name: the list an editor picks from.
LANGUAGES = sorted(
    ((code, name) for code, name in global_settings.LANGUAGES if "-" not in code),
    key=lambda item: item[1],
)
PICKERS = ("claimant", "subjects")
SIGNING_SALT = "dealtracker.claim-edit"


def phase_label(phase: Phase) -> str:
    return f"{phase.order} — {phase.name}"


def clause_label(clause: Clause) -> str:
    return f"{clause.reference} {clause.title}"


def _small_int(value) -> int | None:
    text = str(getattr(value, "pk", value) if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


class ClaimForm(ErrorListMixin, forms.ModelForm):
    """The claim's editable fields; the business rules come from claims.services."""

    language = forms.CharField(label="Language", max_length=12)
    # Fields both editors changed (the edit form after a conflict); none here.
    conflicting: list[str] = []

    class Meta:
        model = Claim
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 4, "class": "statement"}),
            "attribution": forms.TextInput(),
            "made_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {
            "statement": "Statement",
            "claimant": "Claimed by (a party)",
            "attribution": "Attribution (who says it, in words)",
            "subjects": "About (parties)",
            "deal": "Deal",
            "phase": "Phase",
            "clause": "Term (clause)",
            "kind": "Kind of claim",
            "compliance": "Asserted compliance",
            "made_on": "Date made",
            "made_on_precision": "The date is known to the",
        }
        help_texts = {
            "statement": "What is claimed, in your words.",
            "attribution": "E.g. “a senior Palestinian official involved in the talks”.",
            "compliance": "Only for compliance claims; choosing one makes the claim one.",
        }

    def __init__(self, *args, picker_queries: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.picker_queries = picker_queries or {}
        # Model choice, choice and date fields: each set below as its kind has it.
        fields: dict[str, Any] = self.fields
        fields["claimant"].queryset = Party.objects.order_by("name", "id")
        fields["subjects"].queryset = Party.objects.order_by("name", "id")
        fields["claimant"].help_text = "Type a name, short name or alias; misspellings are found."
        fields["subjects"].help_text = "The parties the claim is about. Type to add each one."
        fields["deal"].queryset = Deal.objects.order_by("title", "id")
        fields["deal"].empty_label = "No deal (about the war in general)"
        # Any phase or clause validates (claim_validate says when it is another
        # deal's); only the chosen deal's are offered.
        fields["phase"].queryset = Phase.objects.all()
        fields["clause"].queryset = Clause.objects.all()
        deal_id = self.deal_id
        if deal_id is None:
            fields["phase"].widget.choices = [("", "Choose a deal first")]
            fields["clause"].widget.choices = [("", "Choose a deal first")]
        else:
            phases = Phase.objects.filter(deal_id=deal_id).order_by("order")
            clauses = Clause.objects.filter(deal_id=deal_id).order_by("position", "reference")
            fields["phase"].widget.choices = [("", "No particular phase")] + [
                (p.pk, phase_label(p)) for p in phases
            ]
            fields["clause"].widget.choices = [("", "No particular term")] + [
                (c.pk, clause_label(c)) for c in clauses.only("id", "reference", "title")
            ]
        fields["kind"].choices = list(Claim.Kind.choices)
        fields["compliance"].choices = [("", "Not a compliance claim"), *Claim.Compliance.choices]
        fields["made_on_precision"].choices = list(DatePrecision.choices)
        fields["made_on"].input_formats = ["%Y-%m-%d"]
        language = str(self["language"].value() or "en")
        choices = list(LANGUAGES)
        if language and language not in dict(choices):
            choices.insert(0, (language, language))
        fields["language"].widget = forms.Select(choices=choices)
        deal_attrs = fields["deal"].widget.attrs
        deal_attrs.update(
            {
                "data-hx-get": reverse("desk:claim-terms"),
                "data-hx-trigger": "change",
                "data-hx-target": f"#{self.terms_id}",
                "data-hx-swap": "outerHTML",
                "data-hx-vals": json.dumps({"prefix": self.prefix or ""}),
            }
        )

    # --- what the template needs ---------------------------------------------------

    @property
    def terms_id(self) -> str:
        """The id of the region holding the phase and clause lists (swapped on a deal change)."""
        return f"{self.prefix}-terms" if self.prefix else "claim-terms"

    @cached_property
    def deal_id(self) -> int | None:
        if self.is_bound:
            return _small_int(self.data.get(self.add_prefix("deal")))
        initial = self.initial.get("deal")
        if initial is not None:
            return _small_int(initial)
        return getattr(self.instance, "deal_id", None)

    def picker(self, name: str) -> PartyPicker:
        bound = self[name]
        ids = ids_from(bound.value())
        by_id = Party.objects.in_bulk(ids) if ids else {}
        chosen = [by_id[i] for i in ids if i in by_id]
        q = self.picker_queries.get(name, "")
        return PartyPicker(
            name=bound.html_name,
            id=bound.auto_id,
            label=str(bound.label),
            multiple=name == "subjects",
            chosen=chosen,
            q=q,
            found=party_suggestions(q, exclude=ids) if q else None,
            errors=[str(e) for e in bound.errors] if self.is_bound else [],
            help=str(bound.help_text),
            lookup_url=reverse("desk:party-lookup"),
            pick_url=reverse("desk:party-pick"),
        )

    @cached_property
    def claimant_picker(self) -> PartyPicker:
        return self.picker("claimant")

    @cached_property
    def subjects_picker(self) -> PartyPicker:
        return self.picker("subjects")

    def error_anchor(self, name: str) -> str:
        # A picker's errors lead to its search box (the chips may be none).
        return f"{self[name].auto_id}-q" if name in PICKERS else self[name].auto_id

    # --- validation -------------------------------------------------------------------

    def clean_language(self) -> str:
        value = (self.cleaned_data.get("language") or "").strip()
        if not LANGUAGE_CODE.match(value):
            raise ValidationError("Choose the language from the list.")
        return value

    def clean(self):
        cleaned = super().clean()
        self.resolve(cleaned)
        # Asserting a compliance is what a compliance claim does: an untouched
        # "other" becomes one (offer, demand and figure still refuse it).
        if cleaned.get("compliance") and cleaned.get("kind") == Claim.Kind.OTHER:
            cleaned["kind"] = Claim.Kind.COMPLIANCE
        # Every rule broken is said at once, not one round trip per mistake.
        try:
            claim_validate(cleaned)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def validate_unique(self):
        # The model's constraints are claim_validate's rules, said above in the
        # editor's words; the database still enforces them on save.
        pass

    def resolve(self, cleaned: dict) -> None:
        """Hook for the edit form's conflict choices."""

    @classmethod
    def redisplay(cls, data, **kwargs) -> ClaimForm:
        """The posted values in an unbound form, for "Find" and "Add" without JavaScript.

        Nothing is validated or saved; a party added by its button
        (`<field>-add`) joins the chips, what was typed in a picker is searched.
        """
        bound = cls(data, **kwargs)
        initial = {name: bound[name].value() for name in bound.fields}
        queries = {}
        for name in PICKERS:
            html_name = bound.add_prefix(name)
            queries[name] = " ".join((data.get(f"{html_name}-q") or "").split())[:100]
            added = _small_int(data.get(f"{html_name}-add"))
            if added is not None:
                if name == "subjects":
                    initial[name] = [*ids_from(initial.get(name)), added]
                else:
                    initial[name] = added
                queries[name] = ""
        kwargs.pop("initial", None)
        return cls(initial=initial, picker_queries=queries, **kwargs)


class ClaimEditForm(ClaimForm):
    """The claim form plus what a save started from: the version, and its values (signed).

    After a conflict it also carries, signed, the editor's own values of the
    fields both sides changed, and asks for a choice per field (`resolve_<field>`):
    theirs, mine, or the value edited in the field itself.
    """

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    base = forms.CharField(required=False, widget=forms.HiddenInput)
    conflict = forms.CharField(required=False, widget=forms.HiddenInput)

    RESOLUTIONS = [
        ("theirs", "Keep theirs"),
        ("mine", "Use yours"),
        ("edit", "Use the value in the field below (edit it as you like)"),
    ]

    def __init__(self, *args, conflict_info: ClaimConflict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict_info = conflict_info
        self.conflicting = self._conflicting_fields()
        for name in self.conflicting:
            self.fields[f"resolve_{name}"] = forms.ChoiceField(
                label=f"{self.fields[name].label}: which value?",
                choices=self.RESOLUTIONS,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose theirs, yours or the edited value."},
            )

    def _blob(self, name: str) -> dict:
        """A signed hidden value (base, conflict) of the bound data or the initial values."""
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return _unsign(raw, self._claim_pk) or {}

    def _conflicting_fields(self) -> list[str]:
        mine = self._blob("conflict")
        return [n for n in EDITABLE_FIELDS if n in mine]

    @property
    def _claim_pk(self) -> int | None:
        return getattr(self.instance, "pk", None)

    @staticmethod
    def sign(claim_pk: int, values: dict[str, Any]) -> str:
        return signing.dumps({"claim": claim_pk, "values": values}, salt=SIGNING_SALT)

    @classmethod
    def for_claim(cls, claim: Claim, **kwargs) -> ClaimEditForm:
        initial = {"version": claim.version, "base": cls.sign(claim.pk, claim_values(claim))}
        return cls(instance=claim, initial=initial, **kwargs)

    @classmethod
    def for_conflict(cls, posted: ClaimEditForm, exc: ClaimConflict) -> ClaimEditForm:
        """The form again, on the claim as saved now: nothing of it is the editor's unless chosen.

        Fields only the other editor changed show their value; fields only
        this editor changed keep this editor's; the others ask for a choice.
        """
        current = exc.claim
        initial: dict[str, Any] = {"version": current.version}
        initial["base"] = cls.sign(current.pk, exc.theirs)
        mine_values = {c.field: c.mine_value for c in exc.conflicts}
        initial["conflict"] = cls.sign(current.pk, mine_values)
        for name in EDITABLE_FIELDS:
            if name in posted.cleaned_data and (name in mine_values or name in exc.mine_changes):
                initial[name] = _initial_of(name, posted.cleaned_data[name])
        return cls(instance=current, initial=initial, conflict_info=exc)

    def clean_base(self) -> dict | None:
        raw = self.cleaned_data.get("base")
        if not raw:
            return None
        values = _unsign(raw, self._claim_pk)
        if values is None:
            raise ValidationError("The form lost track of what you started from: reload the claim.")
        return values

    def clean_conflict(self) -> dict:
        raw = self.cleaned_data.get("conflict")
        if not raw:
            return {}
        values = _unsign(raw, self._claim_pk)
        if values is None:
            raise ValidationError("The form lost track of the conflict: reload the claim.")
        return values

    def resolve(self, cleaned: dict) -> None:
        """Put each conflicting field's chosen value in place of what was posted for it."""
        mine = cleaned.get("conflict") or {}
        base = cleaned.get("base") or {}
        for name in self.conflicting:
            choice = cleaned.get(f"resolve_{name}")
            if choice in ("theirs", "mine"):
                source = base if choice == "theirs" else mine
                if name not in source:
                    self.add_error(f"resolve_{name}", "Reload the claim: that value is lost.")
                    continue
                # The edited field's own errors do not matter when it is not chosen.
                self.errors.pop(name, None)
                cleaned[name] = claim_value_from(name, source[name])

    def error_anchor(self, name: str) -> str:
        if name.startswith("resolve_"):
            # A radio group: lead to its first choice.
            return f"{self[name].auto_id}_0"
        return super().error_anchor(name)

    def conflict_rows(self) -> list[dict]:
        """Per conflicting field: both sides to show, its choice and its editable field."""
        opened = (
            {c.field: c.opened for c in self.conflict_info.conflicts} if self.conflict_info else {}
        )
        theirs, mine = self._blob("base"), self._blob("conflict")
        rows = []
        for name in self.conflicting:
            rows.append(
                {
                    "name": name,
                    "label": self.fields[name].label,
                    "opened": opened.get(name, ""),
                    "theirs": display_value(
                        name, theirs.get(name), theirs.get("made_on_precision") or "day"
                    ),
                    "mine": display_value(
                        name, mine.get(name), theirs.get("made_on_precision") or "day"
                    ),
                    "choice": self[f"resolve_{name}"],
                    "field": self[name],
                    "picker": self.picker(name) if name in PICKERS else None,
                }
            )
        return rows


def _unsign(raw, claim_pk) -> dict | None:
    if not raw:
        return None
    try:
        payload = signing.loads(str(raw), salt=SIGNING_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("claim") != claim_pk:
        return None
    values = payload.get("values")
    return values if isinstance(values, dict) else None


def _initial_of(name: str, value: Any) -> Any:
    """A cleaned value as a form's initial (ids for parties and related rows)."""
    if name == "subjects":
        return [p.pk for p in value or []]
    return getattr(value, "pk", value)


# --- pre-filling a new claim --------------------------------------------------------

PREFILL_FIELDS = (
    "deal",
    "phase",
    "clause",
    "claimant",
    "subjects",
    "kind",
    "compliance",
    "statement",
    "attribution",
    "made_on",
    "language",
)


def _by_pk_or_slug(model, value):
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 19:
        return model.objects.filter(pk=int(text)).first()
    return model.objects.filter(slug=text[:120]).first()


def new_claim_prefill(params, *, prefix: str = "claim") -> dict[str, Any]:
    """Initial values for the new-claim form from `<prefix>-<field>` parameters (GET or POST).

    What a suggestion (or any link) may pre-fill: deal (id or slug); phase (id)
    or phase_order (its order within the deal); clause (id) or clause_ref (its
    reference within the deal, "2.1"); claimant and subjects (ids or slugs;
    subjects repeated); kind; compliance (implies kind=compliance); statement;
    attribution; made_on (YYYY-MM-DD); language. Values that do not resolve
    are left out; nothing is saved until the editor saves.
    """
    get = params.get
    out: dict[str, Any] = {}
    deal = _by_pk_or_slug(Deal, get(f"{prefix}-deal"))
    if deal is not None:
        out["deal"] = deal.pk
    for name, model, key in (("phase", Phase, "order"), ("clause", Clause, "reference")):
        row = None
        pk = _small_int(get(f"{prefix}-{name}"))
        if pk is not None:
            row = model.objects.filter(pk=pk).first()
        # Or within the deal: a phase by its order, a clause by its reference ("2.1").
        within = str(get(f"{prefix}-{name}_{'order' if key == 'order' else 'ref'}") or "")
        within = within.strip()[:20]
        if row is None and within and deal is not None:
            if key == "reference" or (within.isdigit() and len(within) < 5):
                row = model.objects.filter(deal=deal, **{key: within}).first()
        if row is not None and (deal is None or row.deal_id == deal.pk):
            out[name] = row.pk
            out.setdefault("deal", row.deal_id)
            deal = deal or row.deal
    claimant = _by_pk_or_slug(Party, get(f"{prefix}-claimant"))
    if claimant is not None:
        out["claimant"] = claimant.pk
    subjects = []
    getlist = getattr(params, "getlist", lambda key: [get(key)] if get(key) else [])
    for value in getlist(f"{prefix}-subjects")[:20]:
        party = _by_pk_or_slug(Party, value)
        if party is not None and party.pk not in subjects:
            subjects.append(party.pk)
    if subjects:
        out["subjects"] = subjects
    kind = get(f"{prefix}-kind")
    if kind in Claim.Kind.values:
        out["kind"] = kind
    compliance = get(f"{prefix}-compliance")
    if compliance in Claim.Compliance.values:
        out["compliance"] = compliance
        out.setdefault("kind", Claim.Kind.COMPLIANCE)
    for name, limit in (("statement", 2000), ("attribution", 500)):
        text = single_line(str(get(f"{prefix}-{name}") or ""))[:limit]
        if text:
            out[name] = text
    made_on = str(get(f"{prefix}-made_on") or "").strip()
    try:
        out["made_on"] = dt.date.fromisoformat(made_on) if made_on else None
    except ValueError:
        pass
    if out.get("made_on") is None:
        out.pop("made_on", None)
    language = str(get(f"{prefix}-language") or "").strip()
    if LANGUAGE_CODE.match(language):
        out["language"] = language.lower()
    return out


def prefill_fields(values: dict[str, Any], *, prefix: str = "claim") -> list[tuple[str, str]]:
    """(name, value) pairs for hidden inputs that pre-fill a new claim (lists repeated).

    E.g. prefill_fields({"deal": deal.pk, "clause_ref": "2.1", "subjects": [israel.pk],
    "compliance": "not_complied"}) for desk/includes/new_claim_accept.html.
    """
    pairs = []
    for name, value in values.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None and item != "":
                pairs.append((f"{prefix}-{name}", str(getattr(item, "pk", item))))
    return pairs


def prefill_query(values: dict[str, Any], *, prefix: str = "claim") -> str:
    """The same as a query string, for a link to a passage's panel with the form pre-filled."""
    return urlencode(prefill_fields(values, prefix=prefix))


# --- the other panel forms -------------------------------------------------------------


class EvidenceForm(ErrorListMixin, forms.Form):
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


class VerificationForm(ErrorListMixin, forms.Form):
    status = forms.ChoiceField(choices=Claim.Verification.choices, label="Verification status")
    note = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why (internal note)",
        error_messages={"required": "Say briefly why the status changes."},
    )


class PassageNoteForm(ErrorListMixin, forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note on this passage (internal)",
    )
