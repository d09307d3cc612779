"""Small things every desk form shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

# Mixed into forms only: a type checker may take it for one.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class ErrorListMixin(_FormBase):
    """error_list(): every error as (anchor id, label, message), for a summary at the form's top."""

    def error_anchor(self, name: str) -> str:
        return self[name].auto_id

    def error_list(self) -> list[tuple[str, str, str]]:
        out = [("", "", str(e)) for e in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == "__all__" or name not in self.fields:
                continue
            for error in errors:
                out.append((self.error_anchor(name), str(self[name].label), str(error)))
        return out
