"""Form widgets drawn in Python give Django's templates' HTML (desk/widget_html.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealtracker.desk.widget_html import _DRAWN, WidgetRenderer
from tests.factories import build_lists_world

HOSTILE = [
    '<script>alert("x")</script>',
    "' onmouseover='alert(1)",
    "&amp; already escaped",
    '"><img src=x onerror=alert(1)>',
    "\u202e bidi",
    "",
]

lazy_text = lazy(lambda s: s, str)

texts = st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE))
# What a widget's value, an attribute or a label can be: strings (safe, lazy, hostile),
# and what the templates localise or call rather than print (numbers, dates, callables).
labels = st.one_of(
    texts,
    texts.map(mark_safe),
    texts.map(lazy_text),
    st.integers(-5, 5000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.none(),
    st.booleans(),
    st.just(lambda: "called"),
)
# A value may be a tuple too (a tuple label would make its choice a group).
values = st.one_of(labels, st.tuples(st.integers(), texts))
attr_names = st.sampled_from(["id", "class", "placeholder", "data-x", "aria-describedby"])
attrs = st.dictionaries(attr_names, values, max_size=4)
choice_values = st.one_of(texts, st.integers(0, 99), st.none(), texts.map(mark_safe))
flat_choices = st.lists(st.tuples(choice_values, labels), max_size=5)
choices = st.lists(
    st.one_of(
        st.tuples(choice_values, labels),
        st.tuples(st.one_of(texts, texts.map(lazy_text)), flat_choices),  # an optgroup
    ),
    max_size=5,
)
INPUTS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.SearchInput,
    forms.CheckboxInput,
    forms.Textarea,
]
SELECTS = [forms.Select, forms.SelectMultiple]

ours, djangos = WidgetRenderer(), DjangoTemplates()


def same(widget: forms.Widget, name, value) -> str:
    drawn = widget.render(name, value, renderer=ours)
    assert drawn == widget.render(name, value, renderer=djangos)
    return drawn


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(INPUTS), texts, values, attrs)
def test_inputs_are_drawn_as_djangos_templates_draw_them(kind, name, value, widget_attrs):
    same(kind(attrs=widget_attrs), name, value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SELECTS), texts, choices, st.lists(choice_values, max_size=3), attrs)
def test_selects_are_drawn_as_djangos_templates_draw_them(
    kind, name, options, chosen, widget_attrs
):
    same(kind(attrs=widget_attrs, choices=options), name, chosen)


def test_hostile_text_is_escaped_in_every_place_it_goes():
    evil = '"><script>alert(1)</script>'
    html = same(
        forms.Select(
            attrs={"data-x": evil},
            choices=[(evil, evil), (evil, [(evil + "2", evil)])],
        ),
        evil,
        evil,
    )
    # In the name, data-x, the group, two values and two labels.
    assert "<script>" not in html and html.count("&lt;script&gt;") == 7
    html = same(forms.Textarea(attrs={"placeholder": evil}), evil, evil + "</textarea>")
    assert "<script>" not in html and "</textarea>" not in html[:-11]


def test_what_the_templates_would_localise_or_call_takes_djangos_path():
    """A number label (localised), a callable value, an option drawn by another
    template: the same HTML as Django's, because Django's templates draw them."""
    same(forms.Select(choices=[(1, 1234567), (2, dt.date(2025, 2, 1))]), "n", 1)
    same(forms.TextInput(attrs={"data-x": lambda: "called"}), "t", "v")

    class OtherOption(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    same(OtherOption(choices=[("a", "A")]), "o", "a")


def test_the_site_renders_forms_with_it_and_django_ships_the_templates_it_replaces():
    renderer = get_default_renderer()
    assert isinstance(renderer, WidgetRenderer)
    for name in _DRAWN:
        # Another copy of a widget template (an app's override) would change what
        # Django draws, and this module would not follow: there is none.
        origin = renderer.engine.get_template(name).origin.name
        assert re.search(r"/django/forms/templates/django/forms/widgets/\w+\.html$", origin)


# Per-response values: the CSP nonce, the CSRF token, the edit form's signed (timed) base.
TOKENS = re.compile(
    r'nonce="[^"]*"|"X-CSRFToken": "[^"]*"|name="(?:csrfmiddlewaretoken|base)" value="[^"]*"'
)


@pytest.mark.django_db
def test_pages_with_forms_are_the_same_drawn_by_templates(editor_client, settings):
    w = build_lists_world()
    pages = [
        ("/deals/", {"status": "active", "purpose": "nonsense"}),
        ("/claims/", {"deal": w.deal.slug, "kind": "compliance", "q": '"><b>x'}),
        ("/claims/", {"made_from": "not a date"}),
        ("/sources/", {"kind": "report"}),
        ("/parties/", {"name": "<i>"}),
        ("/search/", {"q": "withdrawal"}),
        ("/sources/new/", {}),
        (f"/claims/{w.refused.pk}/edit/", {}),
    ]

    def run() -> list[str]:
        responses = [editor_client.get(url, query) for url, query in pages]
        assert all(r.status_code == 200 for r in responses)
        return [TOKENS.sub("", r.content.decode()) for r in responses]

    settings.DB_PLAIN = frozenset()
    fast = run()
    settings.DB_PLAIN = frozenset({"widgets"})
    assert run() == fast
    assert any("<select" in page for page in fast) and any("<textarea" in page for page in fast)
