"""Form widgets drawn in Python, as Django's widget templates draw them (the trick "widgets").

Every filter form on the reading pages (deals, claims, sources, parties) renders its
inputs and selects through Django's widget templates: one template per input, and for
a select one more included per option, each with its context pushed and its
attributes looped over. That took 1.4 ms of the deals list (seven fields) and 1.7 ms
of the claims list (fourteen), about a tenth of each page, to write a few hundred
bytes. Here the same HTML is written by string joins.

Same output, byte for byte: the input family, textarea, select and select_option
templates as Django 5.2 ships them (`{{ x }}` of a string: conditional_escape;
`{{ x|stringformat:'s' }}`: "%s" % x, escaped unless safe; an attribute set to True
written bare, False left out; the renderer's strip()). A value the templates would
localise or call (a number, a date, a callable as a label or a name) or an option
drawn by another template takes Django's path, as does every other template the
renderer is asked for (labels, errors, whole forms), and every widget on the plain
path (DB_PLAIN=widgets). tests/desk/test_widget_html.py holds the two to the same
output on random and hostile widgets, and the pages to the same HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.safestring import SafeData

from dealtracker.db.plain import is_plain
from dealtracker.desk.escaping import escaped

_WIDGETS = "django/forms/widgets/"
# The templates that are input.html included as they are.
_INPUTS = (
    "input checkbox color date datetime email file hidden number password search tel text time url"
).split()
_OPTION = _WIDGETS + "select_option.html"


class _DjangosPath(Exception):
    """A value the templates would treat otherwise than as a string: let them draw it."""


def _text(value: Any) -> str:
    # {{ value }} of a string: localize() leaves it, then conditional_escape (escaped).
    if isinstance(value, str | Promise):
        return escaped(value)
    raise _DjangosPath


def _formatted(value: Any) -> str:
    # {{ value|stringformat:'s' }}: "%s" % value (a tuple str()-ed first), kept as it is
    # when the value was safe (the filter is is_safe), escaped otherwise.
    if callable(value):
        raise _DjangosPath
    if isinstance(value, SafeData):
        return str(value)
    return escaped("%s" % (str(value) if isinstance(value, tuple) else value))


def _attrs(attrs: Mapping[str, Any]) -> str:
    # attrs.html: True bare, False left out, anything else as name="value".
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _text(name))
        if value is not True:
            out.append('="' + _formatted(value) + '"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else ' value="' + _formatted(value) + '"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _select(widget: Mapping[str, Any]) -> str:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                raise _DjangosPath
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


_DRAWN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"{_WIDGETS}{name}.html": _input for name in _INPUTS},
    _WIDGETS + "textarea.html": _textarea,
    _WIDGETS + "select.html": _select,
}


class WidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with the common widgets drawn in Python."""

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        draw = _DRAWN.get(template_name)
        if draw is not None and not is_plain("widgets"):
            try:
                return draw(context["widget"])
            except _DjangosPath:
                pass
        return super().render(template_name, context, request=request)
