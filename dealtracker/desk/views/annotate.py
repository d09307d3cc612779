"""The source reading view and the editors' annotating and claim-editing endpoints.

Reading: /sources/<pk>/ shows the text with every passage highlighted; a
highlight loads the claims resting on it into the side panel (HTMX), and
/sources/<pk>/passages/<passage_pk>/ is the same page with that panel open.

Editing (editors and admins only, every one a POST with CSRF): marking a
passage from a selection's offsets, linking it to a claim or creating one,
editing and removing passages and evidence, and the claim editor used on the
claim page (inline form, verification with a note, publishing, deleting).
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.queries import user_sees_drafts, visible_claims
from dealtracker.claims.services import (
    ClaimChanged,
    claim_create,
    claim_delete,
    claim_publish,
    claim_unpublish,
    claim_update,
    claim_verification_set,
    deal_for_new_claim,
    evidence_link,
    evidence_unlink,
    evidence_update,
)
from dealtracker.deals.models import Deal, Party
from dealtracker.desk.access import can_see_internal, permission_required, reader_required
from dealtracker.desk.annotate_forms import (
    ClaimEditForm,
    ClaimForm,
    EvidenceForm,
    LinkClaimForm,
    PassageNoteForm,
    VerificationForm,
)
from dealtracker.desk.highlight import highlight, spans_from_passages
from dealtracker.sources.models import Passage, Source, SourceRevision
from dealtracker.sources.passages import (
    PassageInUse,
    current_revision,
    offsets_from_utf16,
    parse_offset,
    passage_delete,
    passage_mark,
    passage_update_note,
)

TEMPLATE = "desk/source_detail.html"
LOOKUP_LIMIT = 20


def _partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)


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
    passages = Passage.objects.filter(source=source).exclude(
        anchor_status=Passage.AnchorStatus.ORPHANED
    )
    if revision is not None:
        passages = passages.filter(revision_anchored=revision)
    if user_sees_drafts(user):
        count = Count("evidence", distinct=True)
    else:
        passages = passages.filter(evidence__claim__is_published=True).distinct()
        count = Count("evidence", filter=Q(evidence__claim__is_published=True), distinct=True)
    return passages.annotate(claim_count=count).only(
        "id", "source_id", "start", "end", "quote", "anchor_status", "needs_review"
    )


def _passage_evidence(*, passage: Passage, user) -> list[Evidence]:
    return list(
        Evidence.objects.filter(passage=passage, claim__in=visible_claims(user=user))
        .select_related("claim__claimant", "claim__deal")
        .order_by("id")
    )


def _came_from_deal(request: HttpRequest) -> Deal | None:
    """The deal of the page the editor came from: ?deal=<slug>, else the Referer."""
    slug = request.GET.get("deal") or request.POST.get("deal") or ""
    if not slug:
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
            from urllib.parse import urlsplit

            try:
                match = resolve(urlsplit(referer).path)
            except Resolver404:
                match = None
            if match and match.namespace == "desk":
                if match.url_name in {"deal-detail", "phase-detail", "clause-detail"}:
                    slug = match.kwargs["slug"]
                elif match.url_name == "claim-detail":
                    # From a claim's page: that claim's deal.
                    claim = Claim.objects.filter(pk=match.kwargs["pk"]).only("deal").first()
                    if claim is not None and claim.deal_id:
                        return Deal.objects.filter(pk=claim.deal_id).first()
    if not slug:
        return None
    return Deal.objects.filter(slug=slug).first()


def _new_claim_form(*, source: Source, deal: Deal | None, data=None) -> ClaimForm:
    initial = {
        "made_on": source.published_on,
        "language": source.language or "en",
        "deal": deal_for_new_claim(source=source, came_from=deal),
        "kind": Claim.Kind.OTHER,
    }
    return ClaimForm(data=data, prefix="claim", initial=initial)


def _panel_context(
    request: HttpRequest,
    *,
    source: Source,
    passage: Passage | None,
    deal: Deal | None = None,
    **extra,
) -> dict:
    user = request.user
    context = {
        "source": source,
        "passage": passage,
        "can_mark": _can_mark(user),
        "show_internal": can_see_internal(user),
        "came_from_deal": deal,
    }
    if passage is not None:
        context["evidence_list"] = _passage_evidence(passage=passage, user=user)
        if context["can_mark"]:
            context.setdefault("link_form", LinkClaimForm(prefix="link"))
            context.setdefault("new_claim_form", _new_claim_form(source=source, deal=deal))
            context.setdefault("new_evidence_form", EvidenceForm(prefix="ev"))
            context.setdefault("note_form", PassageNoteForm(initial={"note": passage.note}))
            context["relations"] = Evidence.Relation.choices
    context.update(extra)
    return context


def _text_context(request: HttpRequest, *, source: Source, selected: int | None = None) -> dict:
    """What the text region shows: the current revision's text with its highlights
    (the passage `selected`, shown in the panel, marked more strongly)."""
    user = request.user
    revision = source.revisions.order_by("-number").first()
    passages = list(_reading_passages(source=source, revision=revision, user=user))
    text = revision.text if revision is not None else source.text
    base = reverse("desk:source-detail", kwargs={"pk": source.pk})

    def url_for(p):
        return f"{base}passages/{p.pk}/"

    return {
        "source": source,
        "revision": revision,
        "text_html": highlight(text, spans_from_passages(passages, url_for), selected=selected),
        "text_length": len(text),
        "passages": passages,
        "overlaps": any(b.start < a.end for a, b in zip(passages, passages[1:], strict=False)),
        "can_mark": _can_mark(user),
    }


def _page_context(
    request: HttpRequest,
    *,
    source: Source,
    passage: Passage | None,
    deal: Deal | None = None,
    **extra,
):
    context = _panel_context(request, source=source, passage=passage, deal=deal, **extra)
    context.update(_text_context(request, source=source, selected=passage.pk if passage else None))
    if can_see_internal(request.user):
        context["orphans"] = list(
            Passage.objects.filter(source=source, anchor_status=Passage.AnchorStatus.ORPHANED)
            .only("id", "quote", "source_id")
            .order_by("id")
        )
    return context


def _text_region(request: HttpRequest, source: Source) -> str:
    """The highlighted text, for an out-of-band swap after a write."""
    context = _text_context(request, source=source)
    context["oob"] = True
    return render(request, f"{TEMPLATE}#source-text", context).content.decode()


def _panel_response(
    request: HttpRequest,
    *,
    source: Source,
    passage: Passage | None,
    status: int = 200,
    with_text: bool = False,
    **extra,
) -> HttpResponse:
    context = _panel_context(
        request, source=source, passage=passage, deal=_came_from_deal(request), **extra
    )
    response = render(request, f"{TEMPLATE}#passage-panel", context, status=status)
    if with_text:
        response.content += _text_region(request, source).encode()
    return response


def _get_passage(source: Source, passage_pk: int) -> Passage:
    return get_object_or_404(Passage.objects.select_related("source"), pk=passage_pk, source=source)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    deal = _came_from_deal(request)
    if _partial(request):
        context = _page_context(request, source=source, passage=None, deal=deal)
        return render(request, f"{TEMPLATE}#source-text", context)
    context = _page_context(request, source=source, passage=None, deal=deal)
    return render(request, TEMPLATE, context)


@require_GET
@reader_required
@vary_on_headers("HX-Request")
def passage_detail(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    passage = _get_passage(source, passage_pk)
    if not user_sees_drafts(request.user):
        # Public visitors reach only passages a published claim rests on.
        if not passage.evidence.filter(claim__is_published=True).exists():
            return render(
                request,
                "error.html",
                {"status": 404, "title": "Not found", "message": "There is no such passage."},
                status=404,
            )
    deal = _came_from_deal(request)
    if _partial(request):
        return _panel_response(request, source=source, passage=passage)
    context = _page_context(request, source=source, passage=passage, deal=deal)
    return render(request, TEMPLATE, context)


# --- marking and linking ------------------------------------------------------------


def _bad_selection(request: HttpRequest, source: Source, message: str) -> HttpResponse:
    if _partial(request):
        return _panel_response(request, source=source, passage=None, status=400, mark_error=message)
    context = _page_context(request, source=source, passage=None, mark_error=message)
    return render(request, TEMPLATE, context, status=400)


@require_POST
@permission_required("sources.add_passage", "claims.add_evidence")
def passage_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a passage from a selection's start/end (code points, or UTF-16 with unit=utf16)."""
    source = get_object_or_404(Source, pk=pk)
    try:
        start = parse_offset(request.POST.get("start"), "start")
        end = parse_offset(request.POST.get("end"), "end")
        if request.POST.get("unit") == "utf16":
            start, end = offsets_from_utf16(current_revision(source).text, start, end)
        elif request.POST.get("unit") not in (None, "", "codepoint"):
            raise ValidationError("Offsets are counted in code points or UTF-16 units.")
        marked = passage_mark(source=source, start=start, end=end, by=request.user)
    except ValidationError as exc:
        return _bad_selection(request, source, " ".join(exc.messages))
    if not _partial(request):
        return redirect("desk:passage-detail", pk=source.pk, passage_pk=marked.passage.pk)
    return _panel_response(
        request,
        source=source,
        passage=marked.passage,
        status=201 if marked.created else 200,
        with_text=True,
        just_marked=True,
        reused=not marked.created,
        trimmed=marked.trimmed,
    )


@require_POST
@permission_required("claims.add_evidence", "claims.change_claim")
def evidence_create(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """Rest a claim on the passage: an existing one (action=link) or a new one (action=new)."""
    source = get_object_or_404(Source, pk=pk)
    passage = _get_passage(source, passage_pk)
    action = request.POST.get("action")
    extra: dict = {}
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
            message = "Claim linked to the passage."
        elif action == "new":
            if not request.user.has_perm("claims.add_claim"):
                raise PermissionDenied
            claim_form = _new_claim_form(source=source, deal=None, data=request.POST)
            evidence_form = EvidenceForm(request.POST, prefix="ev")
            extra.update(new_claim_form=claim_form, new_evidence_form=evidence_form, open_new=True)
            if not (claim_form.is_valid() & evidence_form.is_valid()):
                raise ValidationError("")
            try:
                claim_create(
                    data=claim_form.cleaned_data,
                    passage=passage,
                    relation=evidence_form.cleaned_data["relation"],
                    note=evidence_form.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                _form_errors(claim_form, exc)
                raise
            message = "Claim created and linked to the passage."
        else:
            return _bad_selection(request, source, "Choose to link a claim or create one.")
    except ValidationError:
        if not _partial(request):
            context = _page_context(request, source=source, passage=passage, **extra)
            return render(request, TEMPLATE, context, status=422)
        return _panel_response(request, source=source, passage=passage, status=422, **extra)
    if not _partial(request):
        return redirect("desk:passage-detail", pk=source.pk, passage_pk=passage.pk)
    return _panel_response(request, source=source, passage=passage, with_text=True, message=message)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


@require_POST
@permission_required("sources.change_passage")
def passage_edit(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    passage = _get_passage(source, passage_pk)
    form = PassageNoteForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, source=source, passage=passage, status=422, note_form=form)
    passage_update_note(passage=passage, note=form.cleaned_data["note"], by=request.user)
    if not _partial(request):
        return redirect("desk:passage-detail", pk=source.pk, passage_pk=passage.pk)
    return _panel_response(request, source=source, passage=passage, message="Note saved.")


@require_POST
@permission_required("sources.delete_passage")
def passage_remove(request: HttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    passage = _get_passage(source, passage_pk)
    try:
        passage_delete(passage=passage, by=request.user)
    except PassageInUse as exc:
        if not _partial(request):
            context = _page_context(request, source=source, passage=passage, error=str(exc))
            return render(request, TEMPLATE, context, status=409)
        return _panel_response(request, source=source, passage=passage, status=409, error=str(exc))
    if not _partial(request):
        return redirect("desk:source-detail", pk=source.pk)
    return _panel_response(
        request, source=source, passage=None, with_text=True, message="Passage deleted."
    )


# --- evidence -----------------------------------------------------------------------


def _after_evidence_change(request: HttpRequest, evidence_passage: Passage, message: str):
    """Answer in the panel it came from: the reading view's, or the claim page (reload)."""
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        if _partial(request):
            return HttpResponseClientRedirect(nxt)
        return redirect(nxt)
    source = evidence_passage.source
    if not _partial(request):
        return redirect("desk:passage-detail", pk=source.pk, passage_pk=evidence_passage.pk)
    return _panel_response(
        request, source=source, passage=evidence_passage, with_text=True, message=message
    )


@require_POST
@permission_required("claims.change_evidence")
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("passage__source"), pk=pk)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        passage = evidence.passage
        if not _partial(request):
            context = _page_context(request, source=passage.source, passage=passage)
            context["evidence_errors"] = {evidence.pk: form.errors}
            return render(request, TEMPLATE, context, status=422)
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
    return _after_evidence_change(request, evidence.passage, "Link saved.")


@require_POST
@permission_required("claims.delete_evidence")
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("passage__source"), pk=pk)
    passage = evidence.passage
    evidence_unlink(evidence=evidence, by=request.user)
    return _after_evidence_change(request, passage, "Claim unlinked from the passage.")


# --- claims -------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def claims_matching(q: str) -> QuerySet[Claim]:
    """Search-as-you-type over claims: every word as a prefix, on the indexed search_vector.

    Matched both unstemmed ('simple', prefix) and stemmed ('english') so that
    "refus" and "refusing" both find "refused"; a number finds the claim by id.
    """
    words = _WORD.findall(q)[:8]
    claims = Claim.objects.select_related("claimant", "deal")
    if not words:
        return claims.none()
    prefix = " & ".join(f"{w}:*" for w in words)
    query = SearchQuery(prefix, config="simple", search_type="raw") | SearchQuery(
        " ".join(words), config="english", search_type="plain"
    )
    condition = Q(search_vector=query)
    if len(words) == 1 and words[0].isdigit():
        condition |= Q(pk=int(words[0]))
    return claims.filter(condition).order_by("-made_on", "-id")


@require_GET
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def claim_lookup(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    claims = list(claims_matching(q)[:LOOKUP_LIMIT]) if q else []
    context = {"q": q, "claims": claims, "limit": LOOKUP_LIMIT}
    if _partial(request):
        return render(request, "desk/claim_lookup.html#claim-options", context)
    return render(request, "desk/claim_lookup.html", context)


def _claim_for_edit(pk: int) -> Claim:
    return get_object_or_404(
        Claim.objects.select_related("claimant", "deal", "phase", "clause").prefetch_related(
            Prefetch("subjects", queryset=Party.objects.order_by("name", "id"))
        ),
        pk=pk,
    )


def _edit_context(claim: Claim, **extra) -> dict:
    context = {
        "claim": claim,
        "evidence_list": list(
            Evidence.objects.filter(claim=claim).select_related("passage__source").order_by("id")
        ),
        "relations": Evidence.Relation.choices,
        "form": ClaimEditForm(instance=claim, initial={"version": claim.version}),
        "verification_form": VerificationForm(initial={"status": claim.verification}),
    }
    context.update(extra)
    return context


def _render_editor(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    if _partial(request):
        return render(request, "desk/includes/claim_edit_form.html", context, status=status)
    return render(request, "desk/claim_edit.html", context, status=status)


def _back_to_claim(request: HttpRequest, claim: Claim) -> HttpResponse:
    url = claim.get_absolute_url()
    if _partial(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_http_methods(["GET", "POST"])
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    if request.method == "GET":
        return _render_editor(request, _edit_context(claim))
    form = ClaimEditForm(request.POST, instance=claim)
    if not form.is_valid():
        return _render_editor(request, _edit_context(claim, form=form), status=422)
    data = {f: form.cleaned_data[f] for f in form.Meta.fields}
    claim = Claim.objects.get(pk=pk)  # the form changed the instance in memory
    try:
        claim_update(
            claim=claim, data=data, expected_version=form.cleaned_data["version"], by=request.user
        )
    except ClaimChanged as exc:
        current = _claim_for_edit(pk)
        # The editor's values stay in the form, now on the current version,
        # so they can save again knowingly.
        retry = ClaimEditForm(
            instance=current,
            initial={**{f: data[f] for f in data}, "version": current.version},
        )
        return _render_editor(
            request,
            _edit_context(current, form=retry, conflict=exc),
            status=409,
        )
    except ValidationError as exc:
        _form_errors(form, exc)
        return _render_editor(request, _edit_context(claim, form=form), status=422)
    return _back_to_claim(request, claim)


@require_POST
@permission_required("claims.change_claim", "claims.add_verificationchange")
def claim_verification(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    form = VerificationForm(request.POST)
    if form.is_valid():
        try:
            claim_verification_set(
                claim=claim,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
    if form.errors:
        return _render_editor(request, _edit_context(claim, verification_form=form), status=422)
    return _back_to_claim(request, claim)


@require_POST
@permission_required("claims.change_claim")
def claim_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    if request.POST.get("publish") == "0":
        claim_unpublish(claim=claim, by=request.user)
    else:
        claim_publish(claim=claim, by=request.user)
    return _back_to_claim(request, claim)


@require_POST
@permission_required("claims.delete_claim")
def claim_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    claim_delete(claim=claim, by=request.user)
    nxt = request.POST.get("next", "")
    if not (nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})):
        try:
            nxt = reverse("desk:claim-list")
        except NoReverseMatch:
            nxt = "/"
    if _partial(request):
        return HttpResponseClientRedirect(nxt)
    return redirect(nxt)
