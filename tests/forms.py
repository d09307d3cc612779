"""Submitting a rendered form as a browser would: its successful controls, and the button pressed."""

from __future__ import annotations

import lxml.html


def form_values(html: str, *, action: str = "", css_class: str = "", press: tuple = ()) -> dict:
    """The values of the first form whose action contains `action` (and class `css_class`).

    Text fields, hidden fields, checked boxes and radios, selected options and
    textareas, as lxml reads them (what a browser sends); `press` adds the
    (name, value) of the submit button pressed. Repeated names become lists.
    """
    doc = lxml.html.fromstring(html)
    for form in doc.forms:
        if action and action not in (form.get("action") or ""):
            continue
        if css_class and css_class not in (form.get("class") or "").split():
            continue
        values: dict = {}
        textareas = {t.get("name") for t in form.xpath(".//textarea")}
        pairs = [
            # A browser drops the newline that opens a textarea's content.
            (n, v[1:] if n in textareas and v.startswith("\n") else v)
            for n, v in form.form_values()
        ]
        for name, value in [*pairs, *([press] if press else [])]:
            if name in values:
                values[name] = (
                    [*values[name], value]
                    if isinstance(values[name], list)
                    else [values[name], value]
                )
            else:
                values[name] = value
        return values
    raise AssertionError(f"no form with action {action!r} and class {css_class!r}")
