"""The suggestions panel's endpoints: more of them, accept, dismiss, undo (editors only).

Accept marks the sentence as a passage through the passage service (the
server computes the quote) and opens the new-claim form filled in with the
guesses; nothing else is written until the editor saves the claim. Every
endpoint answers an HTMX request with the region it changes and a plain
request with a page (or a redirect to one).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget

from dealtracker.desk.access import permission_required
from dealtracker.desk.annotate_forms import prefill_query
from dealtracker.desk.answers import is_partial
from dealtracker.desk.camefrom import came_from
from dealtracker.desk.suggesting import (
    claim_prefill,
    panel_context,
    parse_offset,
    prefilled_panel_url,
)
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


def _source_url(source: Source) -> str:
    return reverse("desk:source-detail", kwargs={"pk": source.pk}) + "#suggestions"


def _panel(request: HttpRequest, source: Source, *, status: int = 200, **extra) -> HttpResponse:
    context = {"source": source, **panel_context(source=source, compute=True), **extra}
    return render(request, f"{PANEL}#suggestions", context, status=status)


def _gone(request: HttpRequest, source: Source) -> HttpResponse:
    """The suggestion belongs to an older text (or is gone): show the current ones."""
    if not is_partial(request):
        messages.warning(request, GONE)
        return redirect(_source_url(source))
    response = _panel(request, source, status=409, suggestion_message=GONE)
    return reswap(retarget(response, "#suggestions"), "outerHTML")


def _suggestion(source: Source, suggestion_pk: int) -> Suggestion | None:
    return Suggestion.objects.filter(pk=suggestion_pk, source=source).first()


@require_GET
@permission_required("suggestions.change_suggestion", "sources.add_passage")
@vary_on_headers("HX-Request")
def suggestion_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: ?offset=N for the next ones (appended by "Show more"), ?dismissed=1 for those."""
    source = get_object_or_404(Source, pk=pk)
    offset = parse_offset(request.GET.get("offset"))
    dismissed = request.GET.get("dismissed") == "1"
    if is_partial(request):
        context = {
            "source": source,
            **panel_context(source=source, compute=True, offset=offset, dismissed=dismissed),
        }
        # The first load of a source's panel (it was being read) comes closed.
        context["suggestion_collapsed"] = request.GET.get("collapsed") == "1"
        name = "suggestion-more" if offset else "suggestions"
        return render(request, f"{PANEL}#{name}", context)
    context = annotate._page_context(
        request,
        source=source,
        passage=None,
        came=came_from(request),
        **panel_context(source=source, compute=True, offset=offset, dismissed=dismissed),
    )
    return render(request, annotate.TEMPLATE, context)


@require_POST
@permission_required("suggestions.change_suggestion", "sources.add_passage", "claims.add_evidence")
def suggestion_accept_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """Mark the sentence as a passage and open the new-claim form filled in with the guesses."""
    source = get_object_or_404(Source, pk=pk)
    suggestion = _suggestion(source, suggestion_pk)
    if suggestion is None:
        return _gone(request, source)
    try:
        marked = suggestion_accept(suggestion=suggestion, by=request.user)
    except SuggestionGone:
        return _gone(request, source)
    except ValidationError as exc:
        return annotate._bad_selection(request, source, " ".join(exc.messages))
    suggestion.refresh_from_db()
    url = prefilled_panel_url(suggestion, marked.passage.pk)
    if not is_partial(request):
        return redirect(url)
    response = annotate._panel_response(
        request,
        source=source,
        passage=marked.passage,
        status=201 if marked.created else 200,
        with_text=True,
        came=came_from(request),
        claim_params=QueryDict(prefill_query(claim_prefill(suggestion))),
        just_marked=True,
        reused=not marked.created,
    )
    # The list loses the accepted sentence (it is marked now), out of band.
    panel = render(
        request,
        f"{PANEL}#suggestions",
        {"source": source, "oob": True, **panel_context(source=source, compute=True)},
    )
    response.content += panel.content
    return push_url(response, url)


def _decide(request: HttpRequest, pk: int, suggestion_pk: int, decide):
    """(source, the decided suggestion, None), or (source, None, the answer saying it is gone)."""
    source = get_object_or_404(Source, pk=pk)
    suggestion = _suggestion(source, suggestion_pk)
    if suggestion is not None:
        try:
            return source, decide(suggestion=suggestion, by=request.user), None
        except SuggestionGone:
            pass
    return source, None, _gone(request, source)


@require_POST
@permission_required("suggestions.change_suggestion")
def suggestion_dismiss_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    source, suggestion, gone = _decide(request, pk, suggestion_pk, suggestion_dismiss)
    if gone is not None:
        return gone
    if not is_partial(request):
        messages.info(request, "Suggestion dismissed. It stays dismissed when the text is revised.")
        return redirect(_source_url(source))
    return render(request, f"{PANEL}#suggestion-dismissed", {"source": source, "s": suggestion})


@require_POST
@permission_required("suggestions.change_suggestion")
def suggestion_restore_view(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    source, suggestion, gone = _decide(request, pk, suggestion_pk, suggestion_restore)
    if gone is not None:
        return gone
    if not is_partial(request):
        messages.info(request, "Suggestion restored.")
        return redirect(_source_url(source))
    suggestion = (
        Suggestion.objects.select_related("deal", "phase", "clause", "claimant")
        .prefetch_related("named__party")
        .get(pk=suggestion.pk)
    )
    context = {"source": source, "s": suggestion, "restored": True}
    return render(request, f"{PANEL}#suggestion", context)
