"""The review queue (/sources/review/) and resolving a flagged passage from the desk.

An editor confirms a flagged passage where it is, moves it to words selected in
the reading view, or detaches it (sources/review.py says what each does). The
endpoints hang under the passage (…/passages/<id>/confirm/, move/, detach/) and
answer where the editor is:

- from the review queue (the form's `next` is the queue's address): the queue's
  list again (HTMX, #review-list), or a redirect back to it;
- from the reading view's passage panel: the panel (HTMX, with the text
  refreshed out of band: a moved passage's highlight moves), or a redirect to
  the passage's page.

Without JavaScript every form posts and the answer is a whole page. Someone
else's change to the passage meanwhile answers 409, a deletion 410, a refused
action 422 (400 for a selection that is not one), each with the reason, in the
same place.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dealtracker.claims.agreements import clause_texts_sync
from dealtracker.claims.models import Evidence
from dealtracker.concurrency import Gone
from dealtracker.sources import review
from dealtracker.sources.models import Passage, Source
from dealtracker.sources.passages import current_revision, offsets_from_utf16, parse_offset

from ..access import permission_required
from ..answers import Confirm, ask, confirmed, error_page, gone_message
from ..camefrom import came_from
from ..htmx import is_partial
from ..reviewing import queue_context, queue_params, queue_url
from .annotate import _gone, _panel_response, _source_and_passage, _with_from

TEMPLATE = "desk/passage_review.html"


@require_GET
@permission_required("sources.change_passage")
@vary_on_headers("HX-Request")
def passage_review(request: HttpRequest) -> HttpResponse:
    """Passages re-anchoring flagged (orphaned, changed, uncertain), for editors to resolve."""
    context = queue_context(request, request.GET)
    template = TEMPLATE + ("#review-list" if is_partial(request) else "")
    return render(request, template, context)


# --- answers -----------------------------------------------------------------------


def _queue_answer(
    request: HttpRequest, params: QueryDict, *, message: str = "", error: str = "", status=200
) -> HttpResponse:
    """The queue after an action: its list (HTMX) or, done, a redirect back to it."""
    if not is_partial(request) and not error:
        messages.success(request, message)
        return redirect(queue_url(params))
    context = queue_context(request, params)
    context.update(message=message, error=error)
    template = TEMPLATE + ("#review-list" if is_partial(request) else "")
    return render(request, template, context, status=status)


def _done(
    request: HttpRequest,
    *,
    source: Source,
    passage: Passage,
    params: QueryDict | None,
    message: str,
) -> HttpResponse:
    if params is not None:
        return _queue_answer(request, params, message=message)
    came = came_from(request)
    if not is_partial(request):
        messages.success(request, message)
        return redirect(
            _with_from(reverse("desk:passage-detail", args=[source.pk, passage.pk]), came)
        )
    return _panel_response(
        request, source=source, passage=passage, with_text=True, message=message, came=came
    )


def _refused(
    request: HttpRequest,
    *,
    pk: int,
    passage_pk: int,
    params: QueryDict | None,
    message: str,
    status: int,
) -> HttpResponse:
    """A conflict (409) or a refusal (400, 422): said where the editor is, with the passage
    as it is now (someone else may have moved it: the text is shown again too)."""
    if params is not None:
        return _queue_answer(request, params, error=message, status=status)
    source = Source.objects.filter(pk=pk).first()
    passage = Passage.objects.filter(pk=passage_pk, source_id=pk).first()
    return _panel_response(
        request, source=source, passage=passage, status=status, with_text=True, error=message
    )


def _vanished(
    request: HttpRequest, exc: Gone, *, pk: int, passage_pk: int, params: QueryDict | None
) -> HttpResponse:
    if params is None:
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk)
    model: type[Model] = Passage if exc.what == "passage" else Source
    if not model.history.filter(id=exc.pk).exists():
        return error_page(
            request, status=404, title="Not found", message=f"There is no such {exc.what}."
        )
    return _queue_answer(request, params, error=gone_message(model, exc.pk, exc.what), status=410)


def _seen(request: HttpRequest) -> str:
    seen = request.POST.get("seen", "").strip()
    if not seen:
        raise ValidationError(
            "The form does not say which state of the passage you saw: reload the page.",
            code="no_state",
        )
    return seen


def _claim_links(passage: Passage) -> int:
    return Evidence.objects.filter(passage=passage).count()


def _claims_follow(passage: Passage) -> str:
    count = _claim_links(passage)
    if not count:
        return ""
    links = "link resting on it follows" if count == 1 else "links resting on it follow"
    return f" The {count} claim {links} it."


def _claims_rest(passage: Passage) -> str:
    count = _claim_links(passage)
    if not count:
        return ""
    links = "link still rests" if count == 1 else "links still rest"
    return f" {count} claim {links} on it, shown as resting on words no longer in the text."


# --- the actions --------------------------------------------------------------------


def _refusal(
    request: HttpRequest,
    exc: Exception,
    *,
    pk: int,
    passage_pk: int,
    params: QueryDict | None,
    invalid: int = 422,
) -> HttpResponse:
    """One answer for every action that could not be carried out: 410, 409, or `invalid`."""
    if isinstance(exc, Gone):
        return _vanished(request, exc, pk=pk, passage_pk=passage_pk, params=params)
    if isinstance(exc, review.ReviewConflict):
        status, message = 409, str(exc)
    else:
        status, message = invalid, " ".join(exc.messages)
    return _refused(
        request, pk=pk, passage_pk=passage_pk, params=params, message=message, status=status
    )


@require_POST
@permission_required("sources.change_passage")
def passage_confirm_view(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Confirm a flagged passage where re-anchoring put it."""
    params = queue_params(request)
    try:
        source, passage = _source_and_passage(pk, passage_pk)
        passage = review.passage_confirm(passage=passage, seen=_seen(request), by=request.user)
    except (Gone, review.ReviewConflict, ValidationError) as exc:
        return _refusal(request, exc, pk=pk, passage_pk=passage_pk, params=params)
    return _done(
        request,
        source=source,
        passage=passage,
        params=params,
        message=f"{passage.label} confirmed where it is.",
    )


def _selection(request: HttpRequest, source: Source) -> tuple[int, int, int]:
    """The selected offsets (code points of the revision the editor saw) and that revision."""
    start = parse_offset(request.POST.get("start"), "start")
    end = parse_offset(request.POST.get("end"), "end")
    number = parse_offset(request.POST.get("revision"), "revision")
    unit = request.POST.get("unit")
    if unit == "utf16":
        revision = current_revision(source)
        if revision.number != number:
            # Counted on a text that is no longer current: the service says so (409).
            return start, end, number
        start, end = offsets_from_utf16(revision.text, start, end)
    elif unit not in (None, "", "codepoint"):
        raise ValidationError("Offsets are counted in code points or UTF-16 units.")
    return start, end, number


@require_POST
@permission_required("sources.change_passage")
def passage_move_view(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Move a passage to the words the editor selected in the reading view; its claims follow."""
    params = queue_params(request)
    try:
        source, passage = _source_and_passage(pk, passage_pk)
        try:
            seen = _seen(request)
            start, end, number = _selection(request, source)
        except ValidationError as exc:
            return _refused(
                request,
                pk=pk,
                passage_pk=passage_pk,
                params=params,
                message=" ".join(exc.messages),
                status=400,
            )
        moved = review.passage_move(
            passage=passage,
            start=start,
            end=end,
            revision_number=number,
            seen=seen,
            by=request.user,
        )
    except (Gone, review.ReviewConflict, ValidationError) as exc:
        # An empty selection or one past the text's end is a bad request, not a refusal.
        bad = getattr(exc, "code", "") in ("empty", "past_end")
        return _refusal(
            request, exc, pk=pk, passage_pk=passage_pk, params=params, invalid=400 if bad else 422
        )
    # A clause whose verbatim words the passage is takes its new words.
    clause_texts_sync(source=source, by=request.user)
    passage = moved.passage
    trimmed = " Spaces and line breaks around the selection were left out." if moved.trimmed else ""
    return _done(
        request,
        source=source,
        passage=passage,
        params=params,
        message=f"{passage.label} moved to the words you selected.{_claims_follow(passage)}{trimmed}",
    )


@require_POST
@permission_required("sources.change_passage")
def passage_detach_view(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Take a flagged passage off the text (an orphan an editor checked), after a confirmation."""
    params = queue_params(request)
    try:
        source, passage = _source_and_passage(pk, passage_pk)
        seen = _seen(request)
        if not confirmed(request):
            return ask(request, _detach_question(request, source, passage, seen, params))
        passage = review.passage_detach(passage=passage, seen=seen, by=request.user)
    except (Gone, review.ReviewConflict, ValidationError) as exc:
        return _refusal(request, exc, pk=pk, passage_pk=passage_pk, params=params)
    return _done(
        request,
        source=source,
        passage=passage,
        params=params,
        message=f"{passage.label} detached from the text.{_claims_rest(passage)}",
    )


def _detach_question(
    request: HttpRequest, source: Source, passage: Passage, seen: str, params: QueryDict | None
) -> Confirm:
    came = came_from(request)
    hidden = {"seen": seen}
    if params is not None:
        hidden["next"] = queue_url(params)
        cancel = queue_url(params)
    else:
        cancel = _with_from(reverse("desk:passage-detail", args=[source.pk, passage.pk]), came)
    if came:
        hidden["from"] = came.path
    return Confirm(
        question=f"Detach {passage.label} from the text?",
        detail=(
            f"“{passage.quote}” will no longer be highlighted in the text. The claims resting "
            "on it keep it, shown as resting on words no longer in the text; its history is "
            "kept, and it can be moved back onto words of the text later."
        ),
        action=reverse("desk:passage-detach", args=[source.pk, passage.pk]),
        button=f"Detach {passage.label}",
        cancel_url=cancel,
        hx_target="#review-list" if params is not None else "#passage-panel",
        hidden=hidden,
    )
