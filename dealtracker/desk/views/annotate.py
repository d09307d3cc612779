"""The source reading view and the editors' annotating endpoints.

Reading: /sources/<pk>/ shows the text with every passage highlighted; a
highlight loads the claims resting on it into the side panel (HTMX), and
/sources/<pk>/passages/<passage_pk>/ is the same page with that panel open.

Editing (editors and admins only, every one a POST with CSRF): marking a
passage from a selection's offsets, linking it to a claim or creating one,
editing and removing passages and evidence. The claim editor of the claim
page is in views/claim_edit.py.

The page the editor came from (desk/camefrom.py) travels in every form and
highlight link as `from`, and decides the new claim's deal, clause and
subjects. A new claim can also be opened pre-filled — by a suggestion or any
link — with `claim-<field>` parameters on the passage's address (GET) or on
the marking POST; see annotate_forms.new_claim_prefill for the fields.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from simple_history.utils import get_history_manager_for_model

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.queries import visible_claims
from dealtracker.claims.services import (
    claim_create,
    deal_for_new_claim,
    evidence_link,
    evidence_unlink,
    evidence_update,
)
from dealtracker.concurrency import Gone
from dealtracker.db.statements import compiled
from dealtracker.desk.access import permission_required, reader_required
from dealtracker.desk.answers import (
    Confirm,
    ask,
    confirmed,
    error_page,
    gone_message,
)
from dealtracker.desk.camefrom import CameFrom, came_from
from dealtracker.desk.forms.annotate import (
    ClaimForm,
    EvidenceForm,
    LinkClaimForm,
    PassageNoteForm,
    new_claim_prefill,
)
from dealtracker.desk.htmx import HtmxHttpRequest, is_partial
from dealtracker.desk.passage_marks import mark_passages, spans_from_passages
from dealtracker.desk.reviewing import review_panel_context
from dealtracker.desk.suggesting import can_suggest, panel_context
from dealtracker.sources import queries as source_queries
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.passages import (
    Marked,
    PassageInUse,
    current_revision,
    offsets_from_utf16,
    parse_offset,
    passage_delete,
    passage_mark,
    passage_update_note,
)

TEMPLATE = "desk/source_detail.html"
PREFIX = "claim"
GONE_MODELS = {"passage": Passage, "source": Source, "claim": Claim, "link": Evidence}


def _can_mark(user) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perms(["sources.add_passage", "claims.add_evidence", "claims.change_claim"])
    )


# --- reads --------------------------------------------------------------------


def _reading_passages(*, source: Source, revision: SourceRevision | None, user) -> QuerySet:
    """The passages shown on the text: anchored to the current revision; for
    public visitors only those a published claim rests on. Each carries the
    number of claims the user may see resting on it."""
    drafts = sees_drafts(user)
    build = partial(_passages_read, drafts=drafts)
    if revision is None:
        return compiled(("desk.reading_passages", drafts, "all"), build, source_id=source.pk)
    return compiled(
        ("desk.reading_passages", drafts),
        build,
        source_id=source.pk,
        revision_id=revision.pk,
    )


def _passages_read(*, source_id: int, drafts: bool, revision_id: int | None = None) -> QuerySet:
    passages = Passage.objects.filter(source_id=source_id).exclude(
        anchor_status=Passage.AnchorStatus.ORPHANED
    )
    if revision_id is not None:
        passages = passages.filter(revision_anchored_id=revision_id)
    if drafts:
        count = Count("evidence", distinct=True)
    else:
        # A clause's verbatim words in its agreement text are public like the clause.
        passages = passages.filter(
            Q(evidence__claim__is_published=True) | Q(clause_anchors__isnull=False)
        ).distinct()
        count = Count("evidence", filter=Q(evidence__claim__is_published=True), distinct=True)
    return passages.annotate(claim_count=count).only(
        "id", "source_id", "number", "start", "end", "quote", "anchor_status", "needs_review"
    )


def _passage_evidence(*, passage: Passage, user) -> list[Evidence]:
    return list(
        Evidence.objects.filter(passage=passage, claim__in=visible_claims(user=user))
        .select_related("claim__claimant", "claim__deal")
        .order_by("id")
    )


def _with_from(url: str, came: CameFrom | None) -> str:
    return f"{url}?{urlencode({'from': came.path})}" if came else url


def _new_claim_form(
    *, source: Source, came: CameFrom | None, params=None, data=None
) -> tuple[ClaimForm, str, bool]:
    """The new-claim form, its deal's provenance (said to the editor) and whether it was pre-filled.

    Initial values, later ones winning: the source's date and language; its
    deal (the deal most of its claims belong to); the page the editor came
    from; `claim-<field>` parameters (a suggestion, or any link).
    """
    if data is not None:
        return ClaimForm(data, prefix=PREFIX), "", False
    initial: dict[str, Any] = {
        "made_on": source.published_on,
        "language": (source.language or "en").lower(),
        "kind": Claim.Kind.OTHER,
    }
    hint = ""
    if came is not None:
        initial.update(came.initial)
        if "deal" in came.initial:
            hint = f"Deal taken from {came.label}, where you came from."
    if "deal" not in initial:
        deal = deal_for_new_claim(source=source)
        if deal is not None:
            initial["deal"] = deal.pk
            hint = "Deal taken from the claims already resting on this source."
    prefill = new_claim_prefill(params, prefix=PREFIX) if params is not None else {}
    initial.update(prefill)
    if prefill:
        hint = "Pre-filled: check every field before saving."
    return ClaimForm(initial=initial, prefix=PREFIX), hint, bool(prefill)


def _panel_context(
    request: HtmxHttpRequest,
    *,
    source: Source | None,
    passage: Passage | None,
    came: CameFrom | None,
    **extra,
) -> dict:
    user = request.user
    context: dict[str, Any] = {
        "source": source,
        "passage": passage,
        "can_mark": _can_mark(user),
        "show_internal": sees_drafts(user),
        "came": came,
    }
    if passage is not None:
        from .agreements import clause_panel_context

        if source is not None:
            context.update(clause_panel_context(source=source, passage=passage, user=user))
        context["evidence_list"] = _passage_evidence(passage=passage, user=user)
        if context["can_mark"]:
            context["link_form"] = extra.pop("link_form", None) or LinkClaimForm(prefix="link")
            if "new_claim_form" not in extra:
                params = request.GET if request.method == "GET" else request.POST
                form, hint, prefilled = _new_claim_form(  # a passage comes with its source
                    source=cast(Source, source), came=came, params=params
                )
                extra.update(new_claim_form=form, deal_hint=hint, prefilled=prefilled)
                if prefilled or request.GET.get("open") == "new":
                    extra.setdefault("open_new", True)
            context.setdefault("new_evidence_form", EvidenceForm(prefix="ev"))
            context.setdefault("note_form", PassageNoteForm(initial={"note": passage.note}))
            context["relations"] = Evidence.Relation.choices
        if source is not None:
            context.update(review_panel_context(source=source, passage=passage, user=user))
    context.update(extra)
    return context


def _text_context(
    request: HtmxHttpRequest, *, source: Source, came: CameFrom | None, selected: int | None = None
) -> dict:
    """What the text region shows: the current revision's text with its highlights
    (the passage `selected`, shown in the panel, marked more strongly)."""
    user = request.user
    revision = source_queries.current_revision(source=source)
    passages = list(_reading_passages(source=source, revision=revision, user=user))
    text = revision.text if revision is not None else source.text
    base = reverse("desk:source-detail", kwargs={"pk": source.pk})

    def url_for(p):
        return _with_from(f"{base}passages/{p.pk}/", came)

    return {
        "source": source,
        "revision": revision,
        "text_html": mark_passages(
            text,
            spans_from_passages(passages, url_for),
            selected=selected,
            page_starts=revision.page_starts if revision is not None else (),
        ),
        "text_length": len(text),
        "passages": passages,
        "overlaps": any(b.start < a.end for a, b in zip(passages, passages[1:], strict=False)),
        "can_mark": _can_mark(user),
        "came": came,
    }


def _page_context(
    request: HtmxHttpRequest,
    *,
    source: Source,
    passage: Passage | None,
    came: CameFrom | None,
    **extra,
):
    context = _panel_context(request, source=source, passage=passage, came=came, **extra)
    context.update(
        _text_context(request, source=source, came=came, selected=passage.pk if passage else None)
    )
    if can_suggest(request.user) and "suggestion_page" not in context:
        context.update(panel_context(source=source, revision=context.get("revision"), came=came))
    context["original"] = source_queries.original_document(source_id=source.pk)
    if sees_drafts(request.user):
        context["orphans"] = list(source_queries.orphaned_passages(source=source))
    return context


def _text_region(request: HtmxHttpRequest, source: Source, came: CameFrom | None) -> str:
    """The highlighted text, for an out-of-band swap after a write."""
    context = _text_context(request, source=source, came=came)
    context["oob"] = True
    return render(request, f"{TEMPLATE}#source-text", context).content.decode()


def _panel_response(
    request: HtmxHttpRequest,
    *,
    source: Source | None,
    passage: Passage | None,
    status: int = 200,
    with_text: bool = False,
    came: CameFrom | None = None,
    **extra,
) -> HttpResponse:
    """The panel alone (HTMX), or the whole page with it open (no JavaScript)."""
    came = came if came is not None else came_from(request)
    if source is not None and not is_partial(request):
        context = _page_context(request, source=source, passage=passage, came=came, **extra)
        return render(request, TEMPLATE, context, status=status)
    context = _panel_context(request, source=source, passage=passage, came=came, **extra)
    response = render(request, f"{TEMPLATE}#passage-panel", context, status=status)
    if with_text and source is not None:
        response.content += _text_region(request, source, came).encode()
    return response


def _source_and_passage(pk: int, passage_pk: int | None = None):
    """The source and passage of an address; Gone (with what vanished) when deleted meanwhile."""
    source = Source.objects.filter(pk=pk).first()
    if source is None:
        raise Gone("source", pk)
    if passage_pk is None:
        return source, None
    passage = Passage.objects.select_related("source").filter(pk=passage_pk, source=source).first()
    if passage is None:
        raise Gone("passage", passage_pk)
    return source, passage


def _gone(
    request: HtmxHttpRequest,
    exc: Gone,
    *,
    source_pk: int | None,
    passage_pk: int | None = None,
    **extra,
) -> HttpResponse:
    """410: what vanished, by whom; the panel (or page) as it is now, the editor's words kept."""
    model = GONE_MODELS.get(exc.what)
    if model is None or not get_history_manager_for_model(model).filter(id=exc.pk).exists():
        # Not deleted: it never existed.
        return error_page(
            request, status=404, title="Not found", message=f"There is no such {exc.what}."
        )
    message = gone_message(model, exc.pk, exc.what)
    htmx = getattr(request, "htmx", None)
    if htmx and str(htmx.target or "").startswith("confirm-"):
        return render(request, "desk/includes/refusal.html", {"message": message}, status=410)
    source = Source.objects.filter(pk=source_pk).first() if source_pk else None
    passage = None
    if source is not None and passage_pk is not None:
        passage = Passage.objects.filter(pk=passage_pk, source=source).first()
    if source is None and not is_partial(request):
        return error_page(
            request,
            status=410,
            title="Deleted meanwhile",
            message=message,
            back_url=reverse("desk:source-list"),
        )
    return _panel_response(
        request,
        source=source,
        passage=passage,
        status=410,
        with_text=True,
        error=message,
        **extra,
    )


def _get_passage(source: Source, passage_pk: int) -> Passage:
    # The anchored revision for the passage's page, without its text.
    return get_object_or_404(source_queries.passages_for_page(), pk=passage_pk, source=source)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def source_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    source = source_queries.source_for_page(pk=pk)
    if source is None:
        raise Http404("No source at this address.")
    came = came_from(request)
    context = _page_context(request, source=source, passage=None, came=came)
    if is_partial(request):
        return render(request, f"{TEMPLATE}#source-text", context)
    return render(request, TEMPLATE, context)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def passage_detail(request: HtmxHttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    passage = _get_passage(source, passage_pk)
    if not sees_drafts(request.user):
        # Public visitors reach only passages a published claim rests on.
        if (
            not passage.evidence.filter(claim__is_published=True).exists()
            and not passage.clause_anchors.exists()
        ):
            return error_page(
                request, status=404, title="Not found", message="There is no such passage."
            )
    came = came_from(request)
    if is_partial(request):
        return _panel_response(request, source=source, passage=passage, came=came, opened=True)
    context = _page_context(request, source=source, passage=passage, came=came, opened=True)
    return render(request, TEMPLATE, context)


# --- marking and linking ------------------------------------------------------------


def _bad_selection(request: HtmxHttpRequest, source: Source, message: str) -> HttpResponse:
    return _panel_response(request, source=source, passage=None, status=400, mark_error=message)


@require_POST
@permission_required("sources.add_passage", "claims.add_evidence")
def passage_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark a passage from a selection's start/end (code points, or UTF-16 with unit=utf16).

    `claim-<field>` values posted along open the panel's new-claim form
    pre-filled with them (what accepting a suggestion does).
    """
    try:
        source, _ = _source_and_passage(pk)
        start = parse_offset(request.POST.get("start"), "start")
        end = parse_offset(request.POST.get("end"), "end")
        if request.POST.get("unit") == "utf16":
            start, end = offsets_from_utf16(current_revision(source).text, start, end)
        elif request.POST.get("unit") not in (None, "", "codepoint"):
            raise ValidationError("Offsets are counted in code points or UTF-16 units.")
        marked = passage_mark(source=source, start=start, end=end, by=request.user)
    except Gone as exc:
        return _gone(request, exc, source_pk=pk)
    except ValidationError as exc:
        return _bad_selection(request, source, " ".join(exc.messages))
    return _marked_answer(request, source=source, marked=marked, came=came_from(request))


def _marked_url(request: HtmxHttpRequest, *, passage: Passage, came: CameFrom | None) -> str:
    """The marked passage's address, carrying the posted `claim-<field>` values and `from`:
    it opens the panel as the marking answer shows it (no JavaScript, reload, bookmark)."""
    url = reverse("desk:passage-detail", args=[passage.source_id, passage.pk])
    params = {k: v for k, v in request.POST.lists() if k.startswith(f"{PREFIX}-")}
    if came:
        params["from"] = [came.path]
    query = urlencode(params, doseq=True)
    return f"{url}?{query}" if query else url


def _marked_answer(
    request: HtmxHttpRequest, *, source: Source, marked: Marked, came: CameFrom | None
) -> HttpResponse:
    """What marking a span answers (a selection, or an accepted suggestion): the panel with
    the passage and the new-claim form, pre-filled with the posted `claim-<field>` values."""
    if not is_partial(request):
        return redirect(_marked_url(request, passage=marked.passage, came=came))
    return _panel_response(
        request,
        source=source,
        passage=marked.passage,
        status=201 if marked.created else 200,
        with_text=True,
        came=came,
        just_marked=True,
        reused=not marked.created,
        trimmed=marked.trimmed,
    )


def _wants_redisplay(post) -> bool:
    """A "Find" or "Add" press without JavaScript: show the form again, save nothing."""
    return "refresh" in post or any(key.endswith("-add") for key in post)


@require_POST
@permission_required("claims.add_evidence", "claims.change_claim")
def evidence_create(request: HtmxHttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Rest a claim on the passage: an existing one (action=link) or a new one (action=new).

    A new claim is saved as a draft (save=draft) or published (save=publish).
    """
    try:
        source, passage = _source_and_passage(pk, passage_pk)
    except Gone as exc:
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk)
    came = came_from(request)
    action = request.POST.get("action")
    extra: dict = {"came": came}
    try:
        if action == "link":
            form = LinkClaimForm(request.POST, prefix="link")
            extra["link_form"] = form
            if not form.is_valid():
                raise ValidationError("")
            try:
                evidence_link(
                    claim=form.cleaned_data["claim"],
                    passage=passage,
                    relation=form.cleaned_data["relation"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
                raise
            message = f"Claim {form.cleaned_data['claim'].pk} linked to the passage."
        elif action == "new":
            if not request.user.has_perm("claims.add_claim"):
                raise PermissionDenied
            if _wants_redisplay(request.POST):
                evidence_form = EvidenceForm(request.POST, prefix="ev")
                return _panel_response(
                    request,
                    source=source,
                    passage=passage,
                    new_claim_form=ClaimForm.redisplay(request.POST, prefix=PREFIX),
                    new_evidence_form=EvidenceForm(
                        initial={f: evidence_form[f].value() for f in evidence_form.fields},
                        prefix="ev",
                    ),
                    open_new=True,
                    came=came,
                    redisplayed=request.POST.get("refresh", ""),
                )
            claim_form, _, _ = _new_claim_form(source=source, came=came, data=request.POST)
            evidence_form = EvidenceForm(request.POST, prefix="ev")
            extra.update(new_claim_form=claim_form, new_evidence_form=evidence_form, open_new=True)
            save = request.POST.get("save")
            valid = claim_form.is_valid() & evidence_form.is_valid()
            if save not in ("draft", "publish"):
                claim_form.add_error(None, "Choose “Save as draft” or “Save and publish”.")
                valid = False
            if not valid:
                raise ValidationError("")
            try:
                claim = claim_create(
                    data={k: claim_form.cleaned_data[k] for k in claim_form.Meta.fields},
                    passage=passage,
                    relation=evidence_form.cleaned_data["relation"],
                    note=evidence_form.cleaned_data["note"],
                    by=request.user,
                    publish=save == "publish",
                )
            except ValidationError as exc:
                _form_errors(claim_form, exc)
                raise
            state = "published" if claim.is_published else "saved as a draft"
            message = f"Claim {claim.pk} {state} and linked to the passage."
        else:
            return _bad_selection(request, source, "Choose to link a claim or create one.")
    except Gone as exc:
        if exc.what == "claim" and "link_form" in extra:
            extra["link_form"].add_error("claim", gone_message(Claim, exc.pk, "claim"))
            return _panel_response(request, source=source, passage=passage, status=410, **extra)
        unsaved = None
        if "new_claim_form" in extra:
            unsaved = extra["new_claim_form"].cleaned_data.get("statement")
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk, unsaved=unsaved, came=came)
    except ValidationError:
        if "link_form" in extra:
            anchors = {"claim": "claim-q", "relation": "link-rel", "note": "link-note"}
            extra["link_errors"] = [
                (
                    f"{anchors.get(a.split('-')[-1], 'claim-q')}-{passage.pk}" if a else "",
                    label,
                    message,
                )
                for a, label, message in extra["link_form"].error_list()
            ]
        if "new_claim_form" in extra:
            extra["new_claim_errors"] = (
                extra["new_claim_form"].error_list() + extra["new_evidence_form"].error_list()
            )
        return _panel_response(request, source=source, passage=passage, status=422, **extra)
    if not is_partial(request):
        messages.success(request, message)
        return redirect(_with_from(passage.get_absolute_url(), came))
    return _panel_response(
        request, source=source, passage=passage, with_text=True, message=message, came=came
    )


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages_ in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, exc.messages)


@require_POST
@permission_required("sources.change_passage")
def passage_edit(request: HtmxHttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    try:
        source, passage = _source_and_passage(pk, passage_pk)
        form = PassageNoteForm(request.POST)
        if not form.is_valid():
            return _panel_response(
                request, source=source, passage=passage, status=422, note_form=form
            )
        passage = passage_update_note(
            passage=passage, note=form.cleaned_data["note"], by=request.user
        )
    except Gone as exc:
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk)
    if not is_partial(request):
        messages.success(request, "Note saved.")
        return redirect(_with_from(passage.get_absolute_url(), came_from(request)))
    return _panel_response(request, source=source, passage=passage, message="Note saved.")


def _refuse(request: HtmxHttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal next to the button that asked (HTMX), or a page."""
    if is_partial(request):
        return render(request, "desk/includes/refusal.html", {"message": message}, status=status)
    return error_page(request, status=status, title="Not done", message=message)


@require_POST
@permission_required("sources.delete_passage")
def passage_remove(request: HtmxHttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Delete a passage nothing rests on, after the editor confirms."""
    try:
        source, passage = _source_and_passage(pk, passage_pk)
    except Gone as exc:
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk)
    came = came_from(request)
    if not confirmed(request):
        claims = list(Claim.objects.filter(evidence__passage=passage).order_by("id")[:20])
        if claims:
            return _refuse(request, str(PassageInUse(passage, claims)), 409)
        hidden = {"from": came.path} if came else {}
        return ask(
            request,
            Confirm(
                question="Delete this passage?",
                detail=f"“{passage.quote}” — its highlight goes; its history is kept.",
                action=reverse("desk:passage-delete", args=[source.pk, passage.pk]),
                button="Delete passage",
                cancel_url=_with_from(passage.get_absolute_url(), came),
                hx_target="#passage-panel",
                hidden=hidden,
            ),
        )
    try:
        passage_delete(passage=passage, by=request.user)
    except Gone as exc:
        return _gone(request, exc, source_pk=pk, passage_pk=passage_pk)
    except PassageInUse as exc:
        return _panel_response(
            request, source=source, passage=passage, status=409, error=str(exc), came=came
        )
    if not is_partial(request):
        messages.success(request, "Passage deleted.")
        return redirect(_with_from(source.get_absolute_url(), came))
    return _panel_response(
        request, source=source, passage=None, with_text=True, message="Passage deleted.", came=came
    )


# --- evidence -----------------------------------------------------------------------


def _next_url(request: HtmxHttpRequest) -> str:
    nxt = request.POST.get("next", "")
    # A path on this site: anything else ("999", a view's name) is no address to go back to.
    if nxt.startswith("/") and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}
    ):
        return nxt
    return ""


def _after_evidence_change(request: HtmxHttpRequest, passage: Passage, message: str):
    """Answer in the panel it came from: the reading view's, or the claim page (reload)."""
    nxt = _next_url(request)
    if nxt:
        messages.success(request, message)
        return HttpResponseClientRedirect(nxt) if is_partial(request) else redirect(nxt)
    source = passage.source
    if not is_partial(request):
        messages.success(request, message)
        return redirect(_with_from(passage.get_absolute_url(), came_from(request)))
    return _panel_response(request, source=source, passage=passage, with_text=True, message=message)


def _evidence_gone(request: HtmxHttpRequest, exc: Gone, pk: int) -> HttpResponse:
    """A link removed meanwhile: answered where the editor is (its passage's panel, or the claim)."""
    record = Evidence.history.filter(id=pk).order_by("-history_date", "-history_id").first()
    if record is None:
        return error_page(request, status=404, title="Not found", message="There is no such link.")
    nxt = _next_url(request)
    if nxt and not str(getattr(request.htmx, "target", "") or "").startswith("confirm-"):
        # From the claim page: back to it, saying what happened.
        message = gone_message(Evidence, pk, "link")
        messages.error(request, message)
        if is_partial(request):
            response = HttpResponseClientRedirect(nxt)
            response.status_code = 410
            return response
        return error_page(
            request, status=410, title="Deleted meanwhile", message=message, back_url=nxt
        )
    passage = Passage.objects.filter(pk=record.passage_id).only("source_id").first()
    return _gone(
        request,
        exc,
        source_pk=passage.source_id if passage else None,
        passage_pk=record.passage_id,
    )


def _evidence_or_gone(pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("passage__source").filter(pk=pk).first()
    if evidence is None:
        raise Gone("link", pk)
    return evidence


@require_POST
@permission_required("claims.change_evidence")
def evidence_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        evidence = _evidence_or_gone(pk)
        form = EvidenceForm(request.POST)
        if not form.is_valid() and _next_url(request):
            message = "The link was not saved: " + " ".join(
                str(e) for errors in form.errors.values() for e in errors
            )
            messages.error(request, message)
            nxt = _next_url(request)
            response = HttpResponseClientRedirect(nxt) if is_partial(request) else redirect(nxt)
            response.status_code = 422 if is_partial(request) else response.status_code
            return response
        if not form.is_valid():
            passage = evidence.passage
            return _panel_response(
                request,
                source=passage.source,
                passage=passage,
                status=422,
                evidence_errors={evidence.pk: form.errors},
            )
        evidence_update(
            evidence=evidence,
            relation=form.cleaned_data["relation"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except Gone as exc:
        return _evidence_gone(request, exc, pk)
    return _after_evidence_change(request, evidence.passage, "Link saved.")


@require_POST
@permission_required("claims.delete_evidence")
def evidence_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Unlink a claim from a passage, after the editor confirms."""
    try:
        evidence = _evidence_or_gone(pk)
        passage = evidence.passage
        if not confirmed(request):
            came = came_from(request)
            hidden = {"next": _next_url(request)} if _next_url(request) else {}
            if came:
                hidden["from"] = came.path
            cancel = _next_url(request) or _with_from(passage.get_absolute_url(), came)
            return ask(
                request,
                Confirm(
                    question="Unlink this claim from the passage?",
                    detail=f"Claim {evidence.claim_id} will no longer rest on “{passage.quote}”.",
                    action=reverse("desk:evidence-delete", args=[evidence.pk]),
                    button="Unlink",
                    cancel_url=cancel,
                    hx_target="#passage-panel",
                    hidden=hidden,
                ),
            )
        evidence_unlink(evidence=evidence, by=request.user)
    except Gone as exc:
        return _evidence_gone(request, exc, pk)
    return _after_evidence_change(request, passage, "Claim unlinked from the passage.")
