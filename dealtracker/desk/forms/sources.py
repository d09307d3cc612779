"""Forms of the editors' sources pages: adding a source, revising it, filtering the list."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.validators import URLValidator

from dealtracker.desk.forms.lists import searchable_text
from dealtracker.desk.formtools import ErrorListMixin
from dealtracker.sources.models import SourceKind

LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class WebURLField(forms.URLField):
    """An http(s) address only: javascript:, data:, file: and ftp: are refused."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter a web address starting with http:// or https://."}

    def to_python(self, value):
        value = (value or "").strip()
        # URLField would prepend http:// to "javascript:alert(1)"; refuse any other scheme first.
        if (
            value
            and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value)
            and not re.match(r"^https?://", value, re.IGNORECASE)
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def _language(value: str) -> str:
    value = (value or "").strip()
    if value and not LANGUAGE_CODE.match(value):
        raise forms.ValidationError("Use a language code such as en, ar or he.")
    return value


class SourceNewForm(ErrorListMixin, forms.Form):
    """One form, three ways in: paste the text, upload a file, or give the URL to fetch."""

    text = forms.CharField(
        label="Text of the report",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text="Paste the report here, or upload a file, or fetch it from its address.",
    )
    upload = forms.FileField(
        label="Or upload a file",
        required=False,
        help_text=".txt, .html, .md, or a .pdf (with a text layer: scans are not read) or .docx",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".txt,.text,.html,.htm,.md,.markdown,.pdf,.docx"}
        ),
    )
    # The PDF or Word original read by "Read the file", kept until the source is saved.
    document = forms.CharField(required=False, widget=forms.HiddenInput())
    url = WebURLField(
        label="Address (URL)",
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text="Where the report is published. “Fetch” reads the page from there.",
    )
    title = forms.CharField(label="Title", required=False, max_length=500)
    kind = forms.ChoiceField(
        label="Kind", choices=SourceKind.choices, initial=SourceKind.NEWS_REPORT, required=False
    )
    outlet = forms.CharField(label="Outlet", required=False, max_length=200)
    author = forms.CharField(label="Author", required=False, max_length=200)
    attribution = forms.CharField(
        label="Attribution",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who the report credits, e.g. “a senior Palestinian official, via The Times of Israel”.",
    )
    published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    language = forms.CharField(
        label="Language", required=False, max_length=12, help_text="BCP 47 code: en, ar, he…"
    )

    def clean_language(self) -> str:
        return _language(self.cleaned_data.get("language", ""))

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        # PDF and Word files are larger than their text: they have their own limit.
        document = upload and upload.name.lower().endswith((".pdf", ".docx"))
        limit = settings.DOCUMENT_MAX_BYTES if document else settings.SOURCE_MAX_BYTES
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes.",
                code="too_large",
            )
        return upload

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text", "")
        size = len(text.encode("utf-8"))
        if size > settings.SOURCE_MAX_BYTES:
            raise forms.ValidationError(
                f"The text is {size:,} bytes long; the limit is {settings.SOURCE_MAX_BYTES:,} bytes.",
                code="too_large",
            )
        return text

    def too_large(self) -> bool:
        return any(
            error.code == "too_large"
            for errors in self.errors.as_data().values()
            for error in errors
        )


class SourceReviseForm(ErrorListMixin, forms.Form):
    text = forms.CharField(
        label="Text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text="Correct or replace the text. Every marked passage is re-anchored to it.",
    )
    note = forms.CharField(
        label="Why (note for the record)",
        required=False,
        max_length=2000,
        widget=forms.TextInput(),
        help_text="E.g. “the outlet corrected the envoy's name”.",
    )
    # The revision the editor started from: a newer one means someone revised meanwhile.
    base_revision = forms.IntegerField(widget=forms.HiddenInput(), min_value=1)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        size = len(text.encode("utf-8"))
        if size > settings.SOURCE_MAX_BYTES:
            raise forms.ValidationError(
                f"The text is {size:,} bytes long; the limit is {settings.SOURCE_MAX_BYTES:,} bytes.",
                code="too_large",
            )
        return text


class SourceFilterForm(forms.Form):
    q = forms.CharField(label="Words", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind", required=False)
    language = forms.ChoiceField(label="Language", required=False)
    outlet = forms.ChoiceField(label="Outlet", required=False)

    def __init__(self, data, *, languages: list[str], outlets: list[str]):
        super().__init__(data)
        self.fields["kind"].choices = [("", "any kind"), *SourceKind.choices]
        self.fields["language"].choices = [("", "any language")] + [(c, c) for c in languages]
        self.fields["outlet"].choices = [("", "any outlet")] + [(o, o) for o in outlets]

    def clean_q(self) -> str:
        return searchable_text(self.cleaned_data.get("q") or "")
