"""Small things every desk form shares."""

from __future__ import annotations


class ErrorListMixin:
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
