"""`{% url %}` and fast_reverse answer exactly as Django's reverse() does, for every
named address of dealtracker and any value, awkward ones included."""

from __future__ import annotations

import itertools

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter

from dealtracker.db.url_templates import fast_reverse
from dealtracker.desk.templatetags.fast_url import FastURLNode
from dealtracker.desk.urls import ClauseRefConverter

# What a value of each kind looks like, then values reverse() quotes or refuses.
TYPICAL = {
    IntConverter: [0, 7, 123456789, "42"],
    SlugConverter: ["gaza-2025", "a_b", "X", "2025"],
    ClauseRefConverter: ["1.2", "2-a", "A.1.b", "3"],
}
AWKWARD = [
    "a b",
    "é",
    "1/2",
    "",
    "-1",
    "a.b",
    "x~y",
    "50%",
    "<b>",
    "a?b",
    "ǅ",
    "٣",
    1.5,
    True,
    None,
]

# fast_reverse trusts that every converter accepts a class of characters; a converter
# with structure (say, four digits) would need it to learn how (see url_templates.py).
CHARACTER_CLASS_CONVERTERS = (
    IntConverter,
    SlugConverter,
    StringConverter,
    PathConverter,
    ClauseRefConverter,
)


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(entry.pattern.converters)


NAMED = sorted({name: converters for name, converters in _named_patterns()}.items())


def _answer(call):
    try:
        return call()
    except NoReverseMatch:
        return NoReverseMatch


def test_every_converter_of_the_addresses_is_a_class_of_characters():
    kinds = {type(c) for _, converters in NAMED for c in converters.values()}
    assert kinds, "the addresses take arguments"
    assert kinds <= set(CHARACTER_CLASS_CONVERTERS), kinds - set(CHARACTER_CLASS_CONVERTERS)


@pytest.mark.parametrize(("name", "converters"), NAMED, ids=[n for n, _ in NAMED])
def test_fast_reverse_answers_as_reverse_does(name, converters):
    keys = sorted(converters)
    choices = [TYPICAL.get(type(converters[k]), ["x1"]) + AWKWARD for k in keys]
    # Every typical combination, and every awkward value in each place.
    cases = list(itertools.product(*[c[:4] for c in choices]))
    for i, values in enumerate(choices):
        for awkward in values[4:]:
            base = [c[0] for c in choices]
            base[i] = awkward
            cases.append(tuple(base))
    for values in cases:
        kwargs = dict(zip(keys, values, strict=True))
        expected = _answer(lambda kwargs=kwargs: reverse(name, kwargs=kwargs))
        fast = _answer(lambda kwargs=kwargs: fast_reverse(name, kwargs=kwargs))
        assert fast == expected, (name, kwargs)
        # The same by position, in the pattern's order.
        if len(keys) < 2:
            args = list(values)
            expected = _answer(lambda args=args: reverse(name, args=args))
            assert _answer(lambda args=args: fast_reverse(name, args)) == expected, (name, args)


def test_fast_reverse_refuses_what_reverse_refuses():
    with pytest.raises(NoReverseMatch):
        fast_reverse("desk:claim-detail", ["not-a-number"])
    with pytest.raises(NoReverseMatch):
        fast_reverse("desk:no-such-page")
    with pytest.raises(NoReverseMatch):
        fast_reverse("desk:claim-detail", [1, 2])


def test_the_templates_url_tag_is_the_fast_one_with_the_same_syntax():
    template = Template(
        "{% url 'desk:claim-detail' claim %}|{% url 'desk:clause-detail' slug=s ref=r %}"
        "|{% url 'desk:claim-detail' 'x' as missing %}[{{ missing }}]"
        "|{% url 'desk:deal-detail' s as there %}{{ there }}"
    )
    assert any(isinstance(node, FastURLNode) for node in template.nodelist)
    request = RequestFactory().get("/")
    out = template.render(Context({"claim": 5, "s": "gaza-2025", "r": "1.2", "request": request}))
    assert out == ("/claims/5/|/deals/gaza-2025/clauses/1.2/|[]|/deals/gaza-2025/")
    with pytest.raises(NoReverseMatch):
        Template("{% url 'desk:claim-detail' 'x' %}").render(Context({}))


def test_a_script_prefix_is_honoured():
    from django.urls import set_script_prefix

    set_script_prefix("/newsroom/")
    try:
        assert fast_reverse("desk:claim-detail", [5]) == reverse("desk:claim-detail", args=[5])
        assert fast_reverse("desk:claim-detail", [5]).startswith("/newsroom/")
    finally:
        set_script_prefix("/")
    assert fast_reverse("desk:claim-detail", [5]) == "/claims/5/"


def test_another_urlconf_gets_patterns_of_its_own(settings):
    assert fast_reverse("desk:claim-detail", [5]) == "/claims/5/"
    settings.ROOT_URLCONF = "tests.db.urls_mounted"
    assert fast_reverse("desk:claim-detail", [5]) == reverse("desk:claim-detail", args=[5])
    assert fast_reverse("desk:claim-detail", [5]) == "/newsroom/claims/5/"
