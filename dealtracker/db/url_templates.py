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

from functools import lru_cache
from typing import Any

from django.urls import reverse

from .plain import is_plain

# Digits that reverse() accepts for any argument (ints and slugs alike) and that
# appear in no URL pattern of dealtracker.
_SENTINEL = "8086420"


@lru_cache(maxsize=64)
def _template(name: str, keys: tuple[str, ...]) -> str:
    sentinels = {key: f"{_SENTINEL}{i}" for i, key in enumerate(keys)}
    path = reverse(name, kwargs=sentinels)
    for key, sentinel in sentinels.items():
        path = path.replace(sentinel, "{" + key + "}")
    return path


def reverse_path(name: str, **kwargs: Any) -> str:
    """reverse(name, kwargs=kwargs), for pages and files with many links."""
    if is_plain("url_templates"):
        return reverse(name, kwargs=kwargs)
    return _template(name, tuple(sorted(kwargs))).format(**kwargs)
