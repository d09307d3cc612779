"""<option> tags built in one pass of Python instead of a template loop.

The claims list's deal filter offers every deal: hundreds of <option>s through
the template engine cost more than the page's queries. Every value and label is
escaped here as the template engine would (the plain path shows they match).

Pays: the claims list on the large database (`make bench`, "claims filtered" and
"claims page 50" rows). Plain path (DB_PLAIN=option_tags): the same tags
rendered by a template.

Measured once, every trick plain at once (make bench BENCH_ARGS="--scale 0.05
--seconds 2 --no-soak --no-page-cache", then the same with --plain; a shared
two-core machine at load 12-14; large database p50, fast → plain): claims
filtered 420 → 306 ms: no gain shown at that scale (about 10 deals) and load;
re-measure at --scale 1 (200 deals) on a quiet machine.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from .plain import is_plain

_PLAIN_TEMPLATE = (
    "{% for value, label in choices %}"
    '<option value="{{ value }}"{% if value == selected %} selected{% endif %}>{{ label }}</option>'
    "{% endfor %}"
)


def option_tags(choices: Iterable[tuple[str, str]], *, selected: str | None) -> SafeString:
    """<option value="...">label</option> for each (value, label); `selected` is marked."""
    if is_plain("option_tags"):
        template = engines["django"].from_string(_PLAIN_TEMPLATE)
        return mark_safe(template.render({"choices": choices, "selected": selected}))  # noqa: S308
    options = (
        f'<option value="{html.escape(value)}"{" selected" if value == selected else ""}>'
        f"{html.escape(label)}</option>"
        for value, label in choices
    )
    return mark_safe("".join(options))  # noqa: S308 — escaped above
