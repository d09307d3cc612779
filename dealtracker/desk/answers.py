"""How the editing endpoints answer what another editor did first.

- Gone (410): the object was deleted; the message says by whom and when
  (from its history), and that nothing was saved.
- In use or changed (409): the refusal says what still points at it, or what
  changed; the editor's own values are shown again, never dropped.
- A delete asks first: without `confirmed=1` the endpoint answers a
  confirmation (a fragment for HTMX, a page without JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from dealtracker import history

from .htmx import is_partial


def gone_message(model: type[Model], pk, what: str, *, unsaved: str = "nothing was saved") -> str:
    """'This passage was deleted by editor2 at 14:02 on 3 May 2025; nothing was saved.'"""
    deletion = history.last_deletion(model, pk) if pk is not None else None
    if deletion is None:
        return f"This {what} was deleted by someone else in the meantime; {unsaved}."
    user = deletion.history_user
    who = user.get_username() if user is not None else "someone"
    when = date_format(timezone.localtime(deletion.history_date), "H:i \\o\\n j F Y")
    return f"This {what} was deleted by {who} at {when}; {unsaved}."


def error_page(
    request: HttpRequest, *, status: int, title: str, message: str, back_url: str = ""
) -> HttpResponse:
    context = {"status": status, "title": title, "message": message, "back_url": back_url}
    return render(request, "error.html", context, status=status)


@dataclass
class Confirm:
    """A question before a delete: the form that confirms it and where Cancel goes."""

    question: str
    detail: str
    action: str  # the URL the confirming POST goes to
    button: str
    cancel_url: str
    hx_target: str = ""  # where the confirmed answer is swapped (HTMX)
    hidden: dict[str, str] = field(default_factory=dict)


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "1"


def ask(request: HttpRequest, confirm: Confirm) -> HttpResponse:
    """The confirmation: next to the delete button (HTMX), or as a page of its own."""
    if is_partial(request):
        return render(request, "desk/includes/confirm.html", {"confirm": confirm})
    return render(request, "desk/confirm.html", {"confirm": confirm})
