"""The claim editor of the claim page, and the small lookups the claim forms use.

- The editor (inline on the claim page, or its own page): a save carries the
  version and the values it started from; a save made in between by someone
  else is merged (their fields kept, mine written), and where both changed a
  field the editor chooses between both values before anything is written.
- Verification with a note, publishing, deleting (after a confirmation).
- Lookups (HTMX, editors): claims by words, parties by name or alias (the
  party pickers), and a deal's phases and clauses (the deal narrows them).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dealtracker.claims.models import Claim, Evidence
from dealtracker.claims.services import (
    EDITABLE_FIELDS,
    ClaimConflict,
    claim_delete,
    claim_publish,
    claim_unpublish,
    claim_update,
    claim_verification_set,
)
from dealtracker.concurrency import Gone
from dealtracker.deals.models import Party
from dealtracker.desk.access import permission_required
from dealtracker.desk.answers import Confirm, ask, confirmed, error_page, gone_message, is_partial
from dealtracker.desk.forms.annotate import ClaimEditForm, ClaimForm, VerificationForm
from dealtracker.desk.pickers import PartyPicker, ids_from, party_suggestions

LOOKUP_LIMIT = 20
_WORD = re.compile(r"\w+", re.UNICODE)
_FIELD_NAME = re.compile(r"^[a-z][a-z_-]{0,40}$")


# --- lookups --------------------------------------------------------------------------


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
    if len(words) == 1 and words[0].isdigit() and len(words[0]) < 19:
        condition |= Q(pk=int(words[0]))
    return claims.filter(condition).order_by("-made_on", "-id")


@require_GET
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def claim_lookup(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    claims = list(claims_matching(q)[:LOOKUP_LIMIT]) if q else []
    context = {"q": q, "claims": claims, "limit": LOOKUP_LIMIT}
    if is_partial(request):
        return render(request, "desk/claim_lookup.html#claim-options", context)
    return render(request, "desk/claim_lookup.html", context)


def _picker_from(request: HttpRequest) -> PartyPicker:
    """The picker a lookup is for, from its parameters (for=<field name>, id, multiple)."""
    name = request.GET.get("for", "")
    name = name if _FIELD_NAME.match(name) else "party"
    field_id = request.GET.get("id", "")
    field_id = field_id if _FIELD_NAME.match(field_id.replace("id_", "", 1)) else f"id_{name}"
    chosen_ids = ids_from(request.GET.getlist(name))
    by_id = Party.objects.in_bulk(chosen_ids) if chosen_ids else {}
    return PartyPicker(
        name=name,
        id=field_id,
        label="Party",
        multiple=request.GET.get("multiple") == "1",
        chosen=[by_id[i] for i in chosen_ids if i in by_id],
        lookup_url=reverse("desk:party-lookup"),
        pick_url=reverse("desk:party-pick"),
    )


@require_GET
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def party_lookup(request: HttpRequest) -> HttpResponse:
    """Parties matching what was typed in a picker: its suggestions (HTMX), or a page."""
    picker = _picker_from(request)
    picker.q = " ".join((request.GET.get(f"{picker.name}-q") or request.GET.get("q") or "").split())
    picker.q = picker.q[:100]
    picker.found = party_suggestions(picker.q, exclude=picker.chosen_ids) if picker.q else None
    context = {"picker": picker}
    if is_partial(request):
        return render(request, "desk/includes/party_options.html", context)
    return render(request, "desk/party_lookup.html", context)


@require_GET
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def party_pick(request: HttpRequest) -> HttpResponse:
    """A chosen party as a chip (HTMX); the suggestions are cleared and the choice said."""
    picker = _picker_from(request)
    party_ids = ids_from(request.GET.get("party"))
    party = Party.objects.filter(pk=party_ids[0]).first() if party_ids else None
    if party is None:
        return render(
            request,
            "desk/includes/party_chips_answer.html",
            {"picker": picker, "said": "That party does not exist (any more)."},
            status=404 if not is_partial(request) else 200,
        )
    already = party.pk in picker.chosen_ids
    if picker.multiple:
        chips = [] if already else [party]
    else:
        chips = [party]
    said = f"{party.name} is already chosen." if already else f"{party.name} added."
    context = {"picker": picker, "chips": chips, "said": said}
    return render(request, "desk/includes/party_chips_answer.html", context)


@require_GET
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def claim_terms(request: HttpRequest) -> HttpResponse:
    """A deal's phases and clauses for a claim form (the deal select's HTMX answer)."""
    prefix = request.GET.get("prefix", "")
    prefix = prefix if _FIELD_NAME.match(prefix) else ""
    key = f"{prefix}-deal" if prefix else "deal"
    form = ClaimForm(initial={"deal": request.GET.get(key) or None}, prefix=prefix or None)
    template = "desk/includes/claim_terms.html"
    if not is_partial(request):
        template = "desk/claim_terms.html"
    return render(request, template, {"form": form})


# --- the editor -------------------------------------------------------------------


def _claim_for_edit(pk: int) -> Claim | None:
    return (
        Claim.objects.select_related("claimant", "deal", "phase", "clause")
        .prefetch_related(Prefetch("subjects", queryset=Party.objects.order_by("name", "id")))
        .filter(pk=pk)
        .first()
    )


def _edit_context(claim: Claim, **extra) -> dict:
    context = {
        "claim": claim,
        "evidence_list": list(
            Evidence.objects.filter(claim=claim)
            .select_related("passage__source", "passage__revision_anchored")
            .defer("passage__revision_anchored__text", "passage__source__search_vector")
            .order_by("id")
        ),
        "relations": Evidence.Relation.choices,
        "verification_form": VerificationForm(initial={"status": claim.verification}),
    }
    context.update(extra)
    if "form" not in context:
        context["form"] = ClaimEditForm.for_claim(claim)
    return context


def render_editor(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    if is_partial(request):
        return render(request, "desk/includes/claim_edit_form.html", context, status=status)
    return render(request, "desk/claim_edit.html", context, status=status)


def _claim_gone(request: HttpRequest, pk: int, unsaved: dict | None = None) -> HttpResponse:
    """410 for a claim deleted meanwhile (404 if it never was), the editor's words shown."""
    if not Claim.history.filter(id=pk).exists():
        return error_page(
            request, status=404, title="Not found", message="No claim at this address."
        )
    message = gone_message(Claim, pk, "claim", unsaved="what you typed was not saved")
    context = {"message": message, "unsaved": unsaved or {}, "pk": pk}
    if is_partial(request):
        return render(request, "desk/includes/claim_gone.html", context, status=410)
    return render(request, "desk/claim_gone.html", context, status=410)


def _back_to_claim(request: HttpRequest, claim: Claim, message: str = "") -> HttpResponse:
    if message:
        messages.success(request, message)
    url = claim.get_absolute_url()
    if is_partial(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _unsaved(form) -> dict:
    data = getattr(form, "cleaned_data", None) or {}
    return {k: data.get(k) for k in ("statement", "attribution") if data.get(k)}


@require_http_methods(["GET", "POST"])
@permission_required("claims.change_claim")
@vary_on_headers("HX-Request")
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    if claim is None:
        posted = {k: request.POST.get(k, "").strip()[:2000] for k in ("statement", "attribution")}
        return _claim_gone(request, pk, {k: v for k, v in posted.items() if v})
    if request.method == "GET":
        return render_editor(request, _edit_context(claim, opened=True))
    if "refresh" in request.POST or any(key.endswith("-add") for key in request.POST):
        form = ClaimEditForm.redisplay(request.POST, instance=claim)
        return render_editor(request, _edit_context(claim, form=form, redisplayed=True))
    form = ClaimEditForm(request.POST, instance=claim)
    if not form.is_valid():
        return render_editor(request, _edit_context(_claim_for_edit(pk) or claim, form=form), 422)
    data = {f: form.cleaned_data[f] for f in EDITABLE_FIELDS}
    try:
        saved = claim_update(
            claim=claim,
            data=data,
            expected_version=form.cleaned_data["version"],
            base=form.cleaned_data.get("base"),
            by=request.user,
        )
    except ClaimConflict as exc:
        current = _claim_for_edit(pk)
        exc.claim = current or exc.claim
        retry = ClaimEditForm.for_conflict(form, exc)
        return render_editor(request, _edit_context(exc.claim, form=retry, conflict=exc), 409)
    except Gone:
        return _claim_gone(request, pk, _unsaved(form))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render_editor(request, _edit_context(_claim_for_edit(pk) or claim, form=form), 422)
    message = "Claim saved."
    if saved.merged_from_others:
        message += (
            " Someone else had saved it meanwhile; their changes to "
            + ", ".join(saved.merged_from_others)
            + " are kept with yours."
        )
    return _back_to_claim(request, saved.claim, message)


@require_POST
@permission_required("claims.change_claim", "claims.add_verificationchange")
def claim_verification(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    if claim is None:
        return _claim_gone(request, pk)
    form = VerificationForm(request.POST)
    if form.is_valid():
        try:
            claim_verification_set(
                claim=claim,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except Gone:
            return _claim_gone(request, pk, {"note": form.cleaned_data["note"]})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    if form.errors:
        return render_editor(request, _edit_context(claim, verification_form=form), status=422)
    return _back_to_claim(request, claim, "Verification status changed.")


@require_POST
@permission_required("claims.change_claim")
def claim_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for_edit(pk)
    if claim is None:
        return _claim_gone(request, pk)
    try:
        if request.POST.get("publish") == "0":
            claim_unpublish(claim=claim, by=request.user)
            message = "Claim unpublished: it is a draft again."
        else:
            claim_publish(claim=claim, by=request.user)
            message = "Claim published."
    except Gone:
        return _claim_gone(request, pk)
    return _back_to_claim(request, claim, message)


@require_POST
@permission_required("claims.delete_claim")
def claim_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a claim and its links, after the editor confirms."""
    claim = _claim_for_edit(pk)
    if claim is None:
        return _claim_gone(request, pk)
    nxt = request.POST.get("next", "")
    if not (nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})):
        try:
            nxt = reverse("desk:claim-list")
        except NoReverseMatch:
            nxt = "/"
    if not confirmed(request):
        links = claim.evidence.count()
        return ask(
            request,
            Confirm(
                question="Delete this claim?",
                detail=(
                    f"“{claim}” and its {links} link{'s' if links != 1 else ''} to passages go; "
                    "an admin can restore them from its history."
                ),
                action=reverse("desk:claim-delete", args=[claim.pk]),
                button="Delete claim",
                cancel_url=claim.get_absolute_url(),
                hx_target="#claim-edit",
                hidden={"next": nxt},
            ),
        )
    try:
        claim_delete(claim=claim, by=request.user)
    except Gone:
        return _claim_gone(request, pk)
    messages.success(request, f"Claim {pk} deleted. An admin can restore it from its history.")
    if is_partial(request):
        return HttpResponseClientRedirect(nxt)
    return redirect(nxt)
