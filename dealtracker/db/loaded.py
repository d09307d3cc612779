"""Rows read from the database built without Model.__init__ (the trick "loaded").

A reading page builds hundreds of model objects from its rows (the deals list
about 330, a page of the annotations export about 520, counting those of
select_related and prefetch_related). Django's from_db builds each through
Model.__init__: two signals sent, then every field set through setattr and its
descriptor, about a tenth of such a page's time. For a row read from the
database none of that does anything: no field has a default to take, and a
foreign key's descriptor only forgets a related object the new one does not
have yet. So the row's values go into the object's __dict__ in one step, which
is where __init__ leaves them.

A model with pre_init or post_init receivers is built by Django's from_db, as
every model is on the plain path (DB_PLAIN=loaded).

The rows' labels too: Django's get_FOO_display() flattens the field's choices into
a new dict at every call (the deals list calls it about 160 times); here each
field's dict is made once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Field, Model, signals
from django.db.models.base import ModelState
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from dealtracker.db.plain import is_plain

# Per choice field: its values' labels, as get_FOO_display() looks them up.
_labels: dict[Field, dict[Any, Any]] = {}


if TYPE_CHECKING:
    # To a type checker the mixin is a model's: what two models have in common stays one.
    _Mixin = Model
else:
    _Mixin = object


class LoadedRows(_Mixin):
    """Model mixin: objects read from the database built by filling their __dict__."""

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        if is_plain("loaded") or (
            # Any receiver at all (none in dealtracker): then ask whether it is this model's.
            (signals.pre_init.receivers or signals.post_init.receivers)
            and (signals.pre_init.has_listeners(cls) or signals.post_init.has_listeners(cls))
        ):
            return super().from_db(db, field_names, values)
        obj = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        attrs = obj.__dict__
        attrs["_state"] = state
        # Every caller in Django gives the attribute names of the values, in their order.
        attrs.update(zip(field_names, values, strict=True))
        return obj

    def _get_FIELD_display(self, field: Field) -> Any:
        if is_plain("loaded"):
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        # force_str when asked, as Django's does: a lazy label is translated for this request.
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
