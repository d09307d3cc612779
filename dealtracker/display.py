"""How a stored field value reads for people.

The one value formatter behind the change history (desk/change_history.py) and
the edit-conflict screen (claims/services.py): both show "field: old → new" to
an editor, so a value must read the same on both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.db import models

from dealtracker.deals.loose_dates import format_loose_date

EMPTY = "—"


def field_value(
    field: models.Field,
    value: Any,
    *,
    name: Callable[[type[models.Model], Any], str] | None = None,
    precision: str | None = None,
) -> str:
    """`value` of `field` as an editor reads it.

    Empty is "—"; a related row reads as its name (an object by str(), an id
    through `name` when given); a vocabulary code as its label; a loose date as
    the site writes it when its `precision` is given; a boolean as yes or no; a
    list as its items joined by commas.
    """
    if value is None or value == "":
        return EMPTY
    if isinstance(value, models.Model):
        return str(value)
    if name is not None and isinstance(field, models.ForeignKey):
        # A foreign key's related_model is resolved to a class once the apps are loaded.
        return name(cast(type[models.Model], field.related_model), value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if precision is not None and isinstance(value, dt.date):
        return format_loose_date(value, precision)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or EMPTY
    return str(value)
