"""The reading pages' forms (the deal and party lists' filters are in lists.py)."""

from __future__ import annotations

from django import forms


class AsOfForm(forms.Form):
    as_of = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
