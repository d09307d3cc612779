"""A URL pattern reversed once, then filled in for each row.

A claims-list page has about a hundred links and an export one per field of
every row; reverse() walks the URL resolver each time. Here each (name, keys)
pair is reversed once, with sentinel numbers for its arguments that are then
replaced by `{key}` fields, and every later link is a str.format(). Values go in
as they are: ids, slugs and clause references need no quoting.

Pays: the claims list (`make bench`, "claims filtered" and "claims page 50"
rows) and the CSV export of many rows. Plain path (DB_PLAIN=url_templates):
reverse() for every link.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): claims
filtered 420 → 306 ms, csv filtered 202 → 168 ms: no gain shown at that scale
and load (the trivial page also fell from 100 to 27 ms between the runs);
re-measure at --scale 1 on a quiet machine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from .plain import is_plain

# Digits that reverse() accepts for any argument (ints and slugs alike) and that
# appear in no URL pattern of dealtracker.
_SENTINEL = "8086420"


@lru_cache(maxsize=64)
def _template(name: str, keys: tuple[str, ...]) -> str:
    # The pattern fast_reverse learns (below), its environment read once: these callers
    # fill it in for every row of a list or a file.
    shape = _shape(name, keys, None, url_environment())
    if shape is None:
        raise NoReverseMatch(f"Reverse for '{name}' with keyword arguments {keys} not found.")
    return shape.fill


def reverse_path(name: str, **kwargs: Any) -> str:
    """reverse(name, kwargs=kwargs), for pages and files with many links."""
    if is_plain("url_templates"):
        return reverse(name, kwargs=kwargs)
    return _template(name, tuple(sorted(kwargs))).format(**kwargs)


# --- every {% url %} of the templates ---------------------------------------------------
#
# reverse() costs 70-140 microseconds here (it walks the namespaces and matches the
# result against every candidate pattern); the deal page makes about a hundred links,
# the home page fifty. `fast_reverse` answers the same as reverse() from a pattern
# reversed once per shape of call, and falls back to reverse() for any value it cannot
# vouch for.
#
# What it vouches for, per argument: the characters reverse() was seen to accept there.
# When the pattern is first needed, each argument is tried with a digit sentinel and
# then with one more character of each kind (a, Z, '.', '-', '_', '~'); a kind is
# allowed where reverse() accepted it *and* its answer equals the pattern filled in
# (the same pattern was chosen). A value made of allowed characters only needs no
# quoting (they are all unreserved in RFC 3986), matches the converters this project
# registers (int, slug, ref: each a class of characters; tests/db check that no other
# kind is registered) and so gets the answer reverse() would give.

_PROBES = ("a", "Z", ".", "-", "_", "~")
_CLASS = {"a": "a-z", "Z": "A-Z", ".": r"\.", "-": r"\-", "_": "_", "~": "~"}


class _Shape:
    __slots__ = ("fill", "allowed")

    def __init__(self, fill: str, allowed: dict[int | str, re.Pattern[str]]) -> None:
        self.fill = fill  # str.format() pattern: {0}, {1}... or {name}
        self.allowed = allowed  # per argument: the characters reverse() accepts there


def _reverse_any(
    name: str, slots: Sequence[int | str], values: Sequence[str], app: str | None
) -> str:
    if slots and isinstance(slots[0], str):
        kwargs = {str(slot): value for slot, value in zip(slots, values, strict=True)}
        return reverse(name, kwargs=kwargs, current_app=app)
    return reverse(name, args=list(values), current_app=app)


# The URLconf, the script prefix and the language (or None): what reverse() reads.
URLEnvironment = tuple[Any, str, str | None]


def url_environment() -> URLEnvironment:
    """What reverse() reads besides its arguments: the URLconf, the script prefix and,
    only where URLs carry a language prefix, the language. Reading them costs more than
    the rest of fast_reverse (each is a context-local), so a request reads them once
    (fast_url.py keeps them on the request)."""
    # A request sets the thread's URLconf; outside one it is the settings' (by name, so
    # that a test overriding ROOT_URLCONF gets patterns of its own).
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    with_language = is_language_prefix_patterns_used(urlconf)[0]
    return urlconf, get_script_prefix(), get_language() if with_language else None


@lru_cache(maxsize=512)
def _shape(
    name: str,
    slots: tuple[int | str, ...],
    app: str | None,
    environment: URLEnvironment,
) -> _Shape | None:
    """The pattern of `name` called with these arguments (positions or keyword names),
    or None when reverse() refuses even digits there (then reverse() answers every call).
    The environment only keys the cache: reverse() reads it itself."""
    sentinels = [f"{_SENTINEL}{i}" for i in range(len(slots))]
    try:
        path = _reverse_any(name, slots, sentinels, app)
    except NoReverseMatch:
        return None
    fill = path.replace("{", "{{").replace("}", "}}")
    for slot, sentinel in zip(slots, sentinels, strict=True):
        if fill.count(sentinel) != 1:
            return None  # the sentinel is not where the argument goes (or is twice)
        fill = fill.replace(sentinel, "{" + str(slot) + "}")
    allowed: dict[int | str, re.Pattern[str]] = {}
    for i, slot in enumerate(slots):
        kinds = ["0-9"]
        for probe in _PROBES:
            values = list(sentinels)
            values[i] = sentinels[i] + probe
            try:
                answer = _reverse_any(name, slots, values, app)
            except NoReverseMatch:
                continue
            if answer == _format(fill, slots, values):
                kinds.append(_CLASS[probe])
        allowed[slot] = re.compile("[" + "".join(kinds) + "]+")
    return _Shape(fill, allowed)


def _format(fill: str, slots: Sequence[int | str], values: Sequence[str]) -> str:
    if slots and isinstance(slots[0], str):
        return fill.format(**{str(slot): value for slot, value in zip(slots, values, strict=True)})
    return fill.format(*values)


def fast_reverse(
    name: str,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
    environment: URLEnvironment | None = None,
) -> str:
    """reverse(name, args=args, kwargs=kwargs, current_app=current_app), the same
    answer and the same NoReverseMatch, at the cost of a str.format() for the values
    it can vouch for (see above). `environment`: url_environment(), when the caller
    has it at hand."""
    if kwargs and args:
        return reverse(name, args=args, kwargs=kwargs, current_app=current_app)
    if is_plain("url_templates") or not isinstance(name, str):
        return reverse(name, args=args, kwargs=kwargs, current_app=current_app)
    slots: tuple[int | str, ...] = tuple(sorted(kwargs)) if kwargs else tuple(range(len(args)))
    values = [str(kwargs[k]) for k in slots] if kwargs else [str(a) for a in args]  # type: ignore[index]
    shape = _shape(name, slots, current_app, environment or url_environment())
    if shape is not None and all(
        shape.allowed[slot].fullmatch(value) for slot, value in zip(slots, values, strict=True)
    ):
        return _format(shape.fill, slots, values)
    return reverse(name, args=args, kwargs=kwargs, current_app=current_app)
