"""The API's query parameters, read off the HTML lists' filter forms.

A list endpoint takes the filters of the page it mirrors, validated by the same
Django form (dealtracker/desk/forms/lists.py): one home per filter. The pydantic
model that documents them in the OpenAPI schema (and turns away values of the
wrong type first) is generated here from that form's fields, so a filter added
to a form appears in the API and its schema without being written twice.

Every list also takes `cursor` (a position this list handed out as
`next_cursor`) and `limit`. Parameters the endpoint does not know are refused:
a misspelt filter must not silently return everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django import forms
from ninja import Schema
from pydantic import Field, create_model

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PAGING = ("cursor", "limit")


class BadParameters(Exception):
    """Query parameters the API refuses: {parameter: [messages]}, answered with 400."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()))


def _choices(field: forms.ChoiceField) -> list[str]:
    return [str(value) for value, _ in field.choices if value != ""]


def _describe(name: str, field: forms.Field, extra: str = "") -> str:
    label = str(field.label or name.replace("_", " ").capitalize())
    parts = [label + "."]
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        labelled = [f"`{v}` ({lbl})" for v, lbl in field.choices if v != "" and str(lbl) != v]
        if labelled:
            parts.append("One of " + ", ".join(labelled) + ".")
    if extra:
        parts.append(extra)
    return " ".join(parts)


def query_model(
    name: str,
    form_class: type[forms.Form],
    *,
    skip: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
    choices: dict[str, list[str]] | None = None,
    paging: bool = True,
) -> type[Schema]:
    """A pydantic model of the form's fields (each optional), plus `cursor` and `limit`.

    `choices` names the values of choice fields whose choices the form sets when
    it is made (from a vocabulary), for the schema to list them."""
    notes = notes or {}
    choices = choices or {}
    fields: dict[str, Any] = {}
    for field_name, field in form_class.base_fields.items():
        if field_name in skip or isinstance(field.widget, forms.HiddenInput):
            continue
        description = _describe(field_name, field, notes.get(field_name, ""))
        annotation: Any
        constraints: dict[str, Any] = {}
        if isinstance(field, forms.NullBooleanField):
            annotation = Literal["true", "false"]
        elif isinstance(field, forms.ModelChoiceField):
            annotation = str
            constraints["max_length"] = 200
        elif field_name in choices:
            annotation = Literal[tuple(choices[field_name])]
        elif isinstance(field, forms.ChoiceField) and _choices(field):
            annotation = Literal[tuple(_choices(field))]
        elif isinstance(field, forms.IntegerField):
            annotation = int
            if field.min_value is not None:
                constraints["ge"] = field.min_value
            if field.max_value is not None:
                constraints["le"] = field.max_value
        elif isinstance(field, forms.DateField):
            annotation = dt.date
        else:  # CharField, and choice fields whose choices come from the database
            annotation = str
            constraints["max_length"] = getattr(field, "max_length", None) or 200
        fields[field_name] = (
            annotation | None,
            Field(None, description=description, **constraints),
        )
    if paging:
        fields.update(paging_fields())
    return create_model(name, __base__=Schema, **fields)


def paging_fields() -> dict[str, Any]:
    return {
        "cursor": (
            str | None,
            Field(
                None,
                max_length=60,
                description="Where to go on: the `next_cursor` of the previous page (opaque).",
            ),
        ),
        "limit": (
            int,
            Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page, 1 to 200."),
        ),
    }


def refuse_unknown(query, model: type[Schema]) -> None:
    """400 for parameters the endpoint does not take (a typo must not widen the answer)."""
    known = set(model.model_fields)
    unknown = sorted(set(query) - known)
    if unknown:
        raise BadParameters(
            {
                name: [f"Not a parameter of this endpoint. It takes: {', '.join(sorted(known))}."]
                for name in unknown
            }
        )


def form_problems(form: forms.Form, *, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The form's errors by parameter (errors of the whole form under "parameters")."""
    problems: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        if name in skip:
            continue
        key = "parameters" if name == "__all__" else name
        problems.setdefault(key, []).extend(str(e) for e in errors)
    return problems


def filter_form(form: forms.Form, *, skip: tuple[str, ...] = ()) -> forms.Form:
    """The form, validated; BadParameters when a filter is not valid (the pages ignore
    it with a notice; a script would silently get more than it asked for)."""
    form.is_valid()
    problems = form_problems(form, skip=skip)
    if problems:
        raise BadParameters(problems)
    return form


def id_cursor(raw: str | None) -> int | None:
    """The position of an id-ordered list: the last id of the previous page."""
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadParameters(
            {"cursor": ["Not a position of this list: pass a `next_cursor` it gave you."]}
        )
    return int(raw)
