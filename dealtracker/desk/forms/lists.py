"""GET forms of the lists (claims, deals, parties), the claims CSV and the search.

The read API (dealtracker/api) validates its filters with these same forms.

Policy for bad filter values (consistent everywhere): on the HTML list a bad
value (a text that names no deal or party, a title several deals share, an
unknown phase or clause of the deal, a value outside a vocabulary, a malformed
date or page position) is *ignored* and the
page says so in a notice; the list is never a 500. The CSV cannot carry a
notice, so it answers 400 with the same messages instead of silently
exporting more than was asked for.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from dealtracker.claims.listing import ClaimFilters, Cursor
from dealtracker.claims.models import ClaimCompliance, ClaimKind, ClaimVerification
from dealtracker.deals.models import Clause, Deal, Party, Phase
from dealtracker.deals.queries import deals_named, deals_titled_like
from dealtracker.fulltext.matching import clean_query_text, query_problem

ANY = [("", "any")]

# Deals a message about the deal filter names, at most.
DEALS_NAMED = 5


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label="Text", required=False, max_length=1000)
    # Text, not a <select>: an archive has thousands of deals (2,000 at generate_archive
    # --scale 10: 150 KB of <option>s on every page of the list). Old addresses carry
    # the slug, which is still what it looks for first.
    deal = forms.CharField(
        label="Deal",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "deal title or slug"}),
    )
    phase = forms.IntegerField(label="Phase", required=False, min_value=1, max_value=32767)
    clause = forms.CharField(label="Clause", required=False, max_length=20)
    # Text, not a <select>: an archive has thousands of parties.
    claimant = forms.CharField(
        label="Claimed by",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "party name or slug"}),
    )
    subject = forms.CharField(
        label="About",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "party name or slug"}),
    )
    kind = forms.ChoiceField(label="Kind", required=False, choices=ANY + ClaimKind.choices)
    compliance = forms.ChoiceField(
        label="Asserted compliance", required=False, choices=ANY + ClaimCompliance.choices
    )
    verification = forms.ChoiceField(
        label="Verification", required=False, choices=ANY + ClaimVerification.choices
    )
    made_from = forms.DateField(
        label="Made from",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    made_to = forms.DateField(
        label="Made until",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("newest", "newest first"), ("oldest", "oldest first")],
    )
    # Page positions; links set them, the form never shows them.
    after = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, data):
        super().__init__(data)
        self.range_invalid = False
        self.deal_obj: Deal | None = None
        self.phase_obj: Phase | None = None
        self.clause_obj: Clause | None = None

    def clean_q(self) -> str:
        return searchable_text(self.cleaned_data.get("q") or "")

    def clean_deal(self) -> Deal | None:
        return the_deal_named(self.cleaned_data.get("deal") or "")

    def clean_claimant(self) -> Party | None:
        return self._party(self.cleaned_data.get("claimant") or "")

    def clean_subject(self) -> Party | None:
        return self._party(self.cleaned_data.get("subject") or "")

    def _party(self, text: str) -> Party | None:
        text = text.strip()
        if not text:
            return None
        party = find_party(text)
        if party is None:
            raise forms.ValidationError(f"No party is called “{text}”.")
        return party

    def _cursor(self, name: str) -> Cursor | None:
        raw = self.cleaned_data.get(name)
        if not raw:
            return None
        try:
            return Cursor.parse(raw)
        except ValueError:
            self.add_error(name, "This page position is not valid; showing the first page.")
            return None

    def clean_after(self):
        return self._cursor("after")

    def clean_before(self):
        return self._cursor("before")

    def clean(self):
        data = super().clean()
        made_from, made_to = data.get("made_from"), data.get("made_to")
        if made_from and made_to and made_from > made_to:
            self.range_invalid = True
            self.add_error(None, "The date range ends before it starts; it was ignored.")
        self.deal_obj = data.get("deal")
        if data.get("phase") is not None:
            if self.deal_obj is None:
                self.add_error("phase", "Choose a deal to filter by one of its phases.")
            else:
                self.phase_obj = Phase.objects.filter(
                    deal=self.deal_obj, order=data["phase"]
                ).first()
                if self.phase_obj is None:
                    self.add_error("phase", "This deal has no such phase.")
        if data.get("clause"):
            if self.deal_obj is None:
                self.add_error("clause", "Choose a deal to filter by one of its clauses.")
            else:
                self.clause_obj = (
                    Clause.objects.filter(deal=self.deal_obj, reference=data["clause"])
                    .select_related("phase")
                    .first()
                )
                if self.clause_obj is None:
                    self.add_error("clause", "This deal has no clause with that reference.")
        return data

    def error_messages(self) -> list[str]:
        """Each invalid filter, named by its label, in a sentence."""
        messages = []
        for name, errors in self.errors.items():
            label = (self.fields[name].label or name) if name in self.fields else "Dates"
            for error in errors:
                messages.append(f"{label}: {error}")
        return messages

    def filters(self) -> ClaimFilters:
        """The valid filters; invalid ones are left out (see error_messages)."""
        data = self.cleaned_data
        return ClaimFilters(
            deal=self.deal_obj,
            phase=self.phase_obj,
            clause=self.clause_obj,
            claimant=data.get("claimant"),
            subject=data.get("subject"),
            kind=data.get("kind") or "",
            compliance=data.get("compliance") or "",
            verification=data.get("verification") or "",
            made_from=None if self.range_invalid else data.get("made_from"),
            made_to=None if self.range_invalid else data.get("made_to"),
            q=data.get("q") or "",
            oldest_first=data.get("sort") == "oldest",
        )


def the_deal_named(text: str) -> Deal | None:
    """The one deal a filter's text names (slug or title, see deals_named); None for an
    empty text; a ValidationError saying what to type when none or several match."""
    text = " ".join(text.split())
    if not text:
        return None
    deals = deals_named(text=text, limit=DEALS_NAMED + 1)
    if len(deals) == 1:
        return deals[0]
    if deals:
        slugs = ", ".join(d.slug for d in deals[:DEALS_NAMED])
        more = " and others" if len(deals) > DEALS_NAMED else ""
        raise forms.ValidationError(
            f"More than one deal is titled “{text}”; type the slug of the one you mean:"
            f" {slugs}{more}."
        )
    like = deals_titled_like(text=text, limit=DEALS_NAMED + 1)
    if not like:
        raise forms.ValidationError(
            f"No deal has the title or slug “{text}”. Type a deal's whole title, or its"
            " slug: the end of its address, /deals/<slug>/."
        )
    named = "; ".join(f"{d.title} ({d.slug})" for d in like[:DEALS_NAMED])
    more = "; and others" if len(like) > DEALS_NAMED else ""
    raise forms.ValidationError(
        f"No deal has the title or slug “{text}”. Deals whose title or slug contains it:"
        f" {named}{more}. Type one's whole title or its slug."
    )


def find_party(text: str) -> Party | None:
    """The party a filter names: by slug, else by name or short name (any case)."""
    party = Party.objects.filter(slug=text).first()
    if party is None:
        party = (
            Party.objects.filter(Q(name__iexact=text) | Q(short_name__iexact=text))
            .order_by("name", "id")
            .first()
        )
    return party


def searchable_text(raw: str) -> str:
    """A search text cleaned and accepted by PostgreSQL, else a ValidationError saying why."""
    q = clean_query_text(raw)
    problem = query_problem(q)
    if problem:
        raise forms.ValidationError(problem)
    return q


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=1000)

    def clean_q(self) -> str:
        # Checked against PostgreSQL by the view, inside the cached body (search()).
        return clean_query_text(self.cleaned_data.get("q") or "")


class DealFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "any status"), *Deal.Status.choices], required=False)
    # Text, not a <select>: an archive has thousands of parties (20,000 at
    # generate_archive --scale 10: 1.4 MB of <option>s on every page of the list).
    party = forms.CharField(
        label="Party",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "party name or slug"}),
    )
    # The ceasefire facts (records).
    purpose = forms.ChoiceField(
        choices=[("", "any purpose"), *Deal.Purpose.choices], required=False
    )
    stage = forms.ChoiceField(
        label="Preliminary or definitive",
        choices=[("", "either"), *Deal.Stage.choices],
        required=False,
    )
    form = forms.ChoiceField(
        label="Written or verbal", choices=[("", "either"), *Deal.Form.choices], required=False
    )
    mediated = forms.NullBooleanField(
        required=False,
        widget=forms.Select(
            choices=[("", "either"), ("true", "mediated"), ("false", "not mediated")]
        ),
    )
    mechanism = forms.ChoiceField(
        label="Mechanism agreed",
        choices=[("", "any mechanism"), *Deal.Mechanism.choices],
        required=False,
    )

    def clean_party(self) -> Party | None:
        """The party named (slug, name, short name or alias), as the claims list finds it."""
        text = (self.cleaned_data.get("party") or "").strip()
        if not text:
            return None
        party = find_party(text)
        if party is None:
            raise forms.ValidationError(f"No party is called “{text}”.")
        return party


class PartyFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "any kind"), *Party.Kind.choices], required=False)
    name = forms.CharField(required=False, max_length=100, strip=True)
