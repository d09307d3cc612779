"""The claims list's facet values (the counts beside the list), drawn in Python for the
reason claim_rows.py gives: some thirty links a page, each with its symbol, label, count
and selected state, through the template engine on every claims list and on every
filter of it. Every value is escaped by format_html; counts go through Django's own
`floatformat` (grouped digits), as the template's did.
"""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString

from dealtracker.desk.claim_rows import VERIFICATION_SYMBOLS
from dealtracker.desk.escaping import format_html
from dealtracker.desk.matrix import COMPLIANCE_SYMBOLS

_SYMBOLS = {"compliance": COMPLIANCE_SYMBOLS, "verification": VERIFICATION_SYMBOLS}
_SELECTED = (
    '<span class="visually-hidden"> (in force; choose to remove)</span>'
    '<span class="facet-remove" aria-hidden="true"> ×</span>'
)


def facet_values_html(facet: dict[str, Any]) -> SafeString:
    """A facet's values as the `<li>` links of its list, with the whitespace the list's
    loop puts around each. `facet` as the claims list's view links it: its param and
    values, each value's label, count, whether it is selected and its address."""
    symbols = _SYMBOLS.get(facet["param"])
    return SafeString("".join(_value(v, symbols) for v in facet["values"]))


def _value(v: dict[str, Any], symbols: dict[str, str] | None) -> str:
    selected = v["selected"]
    symbol = (
        format_html('<span aria-hidden="true">{} </span>', symbols.get(v["value"], ""))
        if symbols is not None
        else ""
    )
    return format_html(
        "\n          <li{}>"
        '<a href="{}"{}><span class="facet-label">{}<bdi>{}</bdi>{}</span>'
        ' <span class="n">{}</span></a></li>\n        ',
        SafeString(' class="is-selected"' if selected else ""),
        v["url"],
        SafeString(' aria-current="true"' if selected else ""),
        SafeString(symbol),
        v["label"],
        SafeString(_SELECTED if selected else ""),
        floatformat(v["count"], "g"),
    )
