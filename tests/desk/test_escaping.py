"""The rows' format_html gives Django's output, value for value (desk/escaping.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from dealtracker.desk import escaping

HOSTILE = [
    '<script>alert("x")</script>',
    "' onmouseover='alert(1)",
    "&amp; &lt; already escaped",
    '"><img src=x onerror=alert(1)>',
    "\u202e\u0000 control and bidi",
]

lazy_text = lazy(lambda s: s, str)
lazy_safe = lazy(lambda s: mark_safe(s), SafeString)  # noqa: S308 - a test value

values = st.one_of(
    st.text(),
    st.sampled_from(HOSTILE),
    st.integers(),
    st.none(),
    st.dates(),
    st.sampled_from(HOSTILE).map(mark_safe),
    st.text().map(lazy_text),
    st.sampled_from(["<b>bold</b>", "plain & simple"]).map(lazy_safe),
    st.builds(lambda v: django_html.format_html("<i>{}</i>", v), st.text()),
)


@given(st.lists(values, min_size=1, max_size=6))
def test_format_html_escapes_as_djangos_does(args):
    template = " ".join(["<span>{}</span>"] * len(args))
    ours = escaping.format_html(template, *args)
    assert ours == django_html.format_html(template, *args)
    assert isinstance(ours, SafeString)


@given(values, values)
def test_format_html_with_names_escapes_as_djangos_does(a, b):
    template = '<a href="{url}">{name}</a>'
    assert escaping.format_html(template, url=a, name=b) == django_html.format_html(
        template, url=a, name=b
    )


@given(st.lists(st.tuples(values, values), max_size=5), st.sampled_from([", ", "<br>", "&"]))
def test_format_html_join_joins_as_djangos_does(rows, sep):
    ours = escaping.format_html_join(sep, "<li>{}: {}</li>", rows)
    assert ours == django_html.format_html_join(sep, "<li>{}: {}</li>", rows)
    assert isinstance(ours, SafeString)
    named = [{"a": a, "b": b} for a, b in rows]
    assert escaping.format_html_join(sep, "{a}={b}", named) == django_html.format_html_join(
        sep, "{a}={b}", named
    )


def test_hostile_text_comes_out_inert():
    out = escaping.format_html('<p title="{}">{}</p>', *HOSTILE[:2])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "' onmouseover" not in out and "&#x27; onmouseover" in out
    assert escaping.escaped(dt.date(2025, 1, 19)) == "2025-01-19"
    assert escaping.escaped(mark_safe("<b>kept</b>")) == "<b>kept</b>"
