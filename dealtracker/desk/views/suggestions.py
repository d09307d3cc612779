"""The suggestions panel's endpoints: more of them, accept, dismiss, undo (editors only).

Accept marks the sentence as a passage through the passage service (the
server computes the quote) and answers as the marking POST does: the
`claim-<field>` values its button posts (the guesses, from
desk/includes/new_claim_accept.html) open the new-claim form filled in;
nothing else is written until the editor saves the claim. Every endpoint
answers an HTMX request with the region it changes and a plain request with a
page (or a redirect to one); a source deleted meanwhile is a 410, as on every
desk write.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget

from dealtracker.concurrency import Gone
from dealtracker.desk.access import permission_required
from dealtracker.desk.answers import is_partial
from dealtracker.desk.camefrom import CameFrom, came_from
from dealtracker.desk.suggesting import panel_context, parse_offset
from dealtracker.sources.models import Source
from dealtracker.suggestions.models import Suggestion
from dealtracker.suggestions.services import (
    SuggestionGone,
    suggestion_accept,
    suggestion_dismiss,
    suggestion_restore,
)

from . import annotate

PANEL = "desk/includes/suggestions.html"
GONE = (
    "The text of this source was revised after the suggestions were shown; "
    "here are the suggestions for the current text."
)


def _source_url(source: Source, came: CameFrom | None) -> str:
    url = reverse("desk:source-detail", kwargs={"pk": source.pk})
    return f"{url}?{urlencode({'from': came.path})}#suggestions" if came else f"{url}#suggestions"


def _panel(request: HttpRequest, source: Source, *, status: int = 200, **extra) -> HttpResponse:
    came = came_from(request)
    context = {
        "source": source,
        "came": came,
        **panel_context(source=source, compute=True, came=came),
        **extra,
    }
    return render(request, f"{PANEL}#suggestions", context, status=status)


def _gone(request: HttpRequest, source: Source) -> HttpResponse:
    """The suggestion belongs to an older text (or is gone): show the current ones."""
    if not is_partial(request):
        messages.warning(request, GONE)
        return redirect(_source_url(source, came_from(request)))
    response = _panel(request, source, status=409, suggestion_message=GONE)
    return reswap(retarget(response, "#suggestions"), "outerHTML")


def _source_gone(request: HttpRequest, exc: Gone, pk: int) -> HttpResponse:
    """The source was deleted (by someone else): 410 in the passage panel, as the desk says it."""
    response = annotate._gone(request, exc, source_pk=pk)
    if is_partial(request) and response.status_code == 410:
        response = reswap(retarget(response, "#passage-panel"), "outerHTML")
    return response


def _suggestion(source: Source, suggestion_pk: int) -> Suggestion | None:
    return Suggestion.objects.filter(pk=suggestion_pk, source=source).first()


@require_GET
@permission_required("suggestions.change_suggestion", "sources.add_passage")
@vary_on_headers("HX-Request")
def suggestion_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: ?offset=N for the next ones (appended by "Show more"), ?dismissed=1 for those."""
    source = get_object_or_404(Source, pk=pk)
    came = came_from(request)
    try:
        panel = panel_context(
            source=source,
            compute=True,
            offset=parse_offset(request.GET.get("offset")),
            dismissed=request.GET.get("dismissed") == "1",
            came=came,
        )
    except Gone as exc:  # deleted while its suggestions were being computed
        return _source_gone(request, exc, pk)
    if is_partial(request):
        context = {"source": source, "came": came, **panel}
        # The first load of a source's panel (it was being read) comes closed.
        context["suggestion_collapsed"] = request.GET.get("collapsed") == "1"
        name = "suggestion-more" if panel["suggestion_offset"] else "suggestions"
        return render(request, f"{PANEL}#{name}", context)
    context = annotate._page_context(request, source=source, passage=None, came=came, **panel)
    return render(request, annotate.TEMPLATE, context)


@require_POST
@permission_required("suggestions.change_suggestion", "sources.add_passage", "claims.add_evidence")
def suggestion_accept_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """Mark the sentence as a passage; the panel opens the new claim filled in with the guesses.

    The guesses come as the `claim-<field>` values the Accept button posts, read
    as the marking POST reads them; the address pushed (or redirected to)
    carries them, so a reload or a bookmark opens the same form.
    """
    try:
        source, _ = annotate._source_and_passage(pk)
        suggestion = _suggestion(source, suggestion_pk)
        if suggestion is None:
            return _gone(request, source)
        marked = suggestion_accept(suggestion=suggestion, by=request.user)
    except Gone as exc:
        return _source_gone(request, exc, pk)
    except SuggestionGone:
        return _gone(request, source)
    except ValidationError as exc:
        return annotate._bad_selection(request, source, " ".join(exc.messages))
    came = came_from(request)
    response = annotate._marked_answer(request, source=source, marked=marked, came=came)
    if not is_partial(request):
        return response
    # The list loses the accepted sentence (it is marked now), out of band.
    panel = render(
        request,
        f"{PANEL}#suggestions",
        {
            "source": source,
            "came": came,
            "oob": True,
            **panel_context(source=source, compute=True, came=came),
        },
    )
    response.content += panel.content
    return push_url(response, annotate._marked_url(request, passage=marked.passage, came=came))


def _decide(request: HttpRequest, pk: int, suggestion_pk: int, decide):
    """(source, the decided suggestion, None), or (source, None, the answer saying it is gone)."""
    try:
        source, _ = annotate._source_and_passage(pk)
        suggestion = _suggestion(source, suggestion_pk)
        if suggestion is not None:
            return source, decide(suggestion=suggestion, by=request.user), None
    except Gone as exc:
        return None, None, _source_gone(request, exc, pk)
    except SuggestionGone:
        pass
    return source, None, _gone(request, source)


@require_POST
@permission_required("suggestions.change_suggestion")
def suggestion_dismiss_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    source, suggestion, gone = _decide(request, pk, suggestion_pk, suggestion_dismiss)
    if gone is not None:
        return gone
    came = came_from(request)
    if not is_partial(request):
        messages.info(request, "Suggestion dismissed. It stays dismissed when the text is revised.")
        return redirect(_source_url(source, came))
    context = {"source": source, "s": suggestion, "came": came}
    return render(request, f"{PANEL}#suggestion-dismissed", context)


@require_POST
@permission_required("suggestions.change_suggestion")
def suggestion_restore_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    source, suggestion, gone = _decide(request, pk, suggestion_pk, suggestion_restore)
    if gone is not None:
        return gone
    came = came_from(request)
    if not is_partial(request):
        messages.info(request, "Suggestion restored.")
        return redirect(_source_url(source, came))
    suggestion = (
        Suggestion.objects.select_related("deal", "phase", "clause", "claimant")
        .prefetch_related("named__party")
        .get(pk=suggestion.pk)
    )
    context = {"source": source, "s": suggestion, "restored": True, "came": came}
    return render(request, f"{PANEL}#suggestion", context)
