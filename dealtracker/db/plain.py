"""The switch of the speed tricks: settings.DB_PLAIN names those that take their plain path.

Each trick in this package takes its fast path by default. `DB_PLAIN=all` (or a
comma-separated list of names) makes it take its plain-ORM path instead, which
gives the same result, so `make bench BENCH_ARGS=--plain` can show what each
trick still buys after an upgrade of Django or PostgreSQL. The names:

- planner: planner.py, bitmap scans only for the search's candidate queries;
- lexeme_statistics: lexeme_statistics.py, word frequencies read from pg_stats;
- values_update: values_update.py, UPDATE ... FROM (VALUES ...) instead of bulk_update;
- shared_parent: shared_parent.py, a row's own parent object given to its children;
- url_templates: url_templates.py, a URL pattern reversed once, then filled in;
- distinct: distinct.py, the distinct values of a column by skipping through its index;
- any_of: any_of.py, `column = ANY(ARRAY(subquery))` so that an OR stays indexable;
- prepared: prepared.py, statements prepared on their connection, their plans reused
  (read once, by the settings: a change of DB_PLAIN at run time does not reach it);
- unsaved: copy_rows.py, unsaved rows of a bulk import built from a plan made once
  per model rather than by Model.__init__;
- loaded: loaded.py, objects read from the database built without Model.__init__;
- timestamps: timestamps.py, timestamps parsed by datetime.fromisoformat, not a regex
  (read when a connection opens: a change of DB_PLAIN reaches the connections opened after).
- compiled: statements.py, a hot query's SQL compiled once per process, then sent with
  new values;
- widgets: dealtracker/desk/widget_html.py, form inputs and selects drawn in Python rather
  than through Django's widget templates.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed

# settings.DB_PLAIN as last read: asked for every object a page loads (loaded.py), where
# reading it through the lazy settings object took about a quarter of a microsecond.
_plain: frozenset[str] | None = None


def is_plain(trick: str) -> bool:
    """Whether the trick takes its plain path (settings.DB_PLAIN names it)."""
    global _plain
    if _plain is None:
        _plain = frozenset(settings.DB_PLAIN)
    return trick in _plain


def _forget(*, setting: str, **kwargs) -> None:
    # override_settings and pytest-django's settings fixture change it at run time.
    global _plain
    if setting == "DB_PLAIN":
        _plain = None


setting_changed.connect(_forget, dispatch_uid="dealtracker.db.plain")
