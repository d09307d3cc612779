"""The publishing endpoints' forms."""

from __future__ import annotations

from django import forms


class OEmbedForm(forms.Form):
    url = forms.CharField(max_length=2000)
    format = forms.ChoiceField(choices=[("json", "json"), ("xml", "xml")], required=False)
    maxwidth = forms.IntegerField(min_value=1, max_value=100_000, required=False)
    maxheight = forms.IntegerField(min_value=1, max_value=100_000, required=False)
