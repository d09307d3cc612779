"""A deal's agreement text: its clauses anchored in it, and the editors' work on it.

- /deals/<slug>/agreement/: the deal's agreement texts, each clause with where
  its words stand (page for a PDF), the clauses not anchored (for editors), and
  the clauses an import proposed, to accept, edit or reject.
- POST /sources/<pk>/passages/<passage_pk>/clause/: from the agreement's
  reading view, create a clause from the marked words or anchor an existing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dealtracker.accounts.roles import sees_drafts
from dealtracker.claims import agreements
from dealtracker.claims.models import AgreementText, ClauseProposal
from dealtracker.deals import queries as deal_queries
from dealtracker.deals.models import Clause, Deal
from dealtracker.sources.models import Passage, Source, SourceDocument

from ..access import permission_required, reader_required
from ..htmx import HtmxHttpRequest

ANCHOR_PERMS = ("claims.add_clauseanchor", "claims.change_clauseanchor")


def can_anchor(user) -> bool:
    return bool(user.is_authenticated and user.has_perms(ANCHOR_PERMS))


@require_GET
@reader_required
def deal_agreement(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The deal's own text and its clauses' verbatim words."""
    deal = get_object_or_404(Deal, slug=slug)
    texts = list(agreements.agreement_texts(deal=deal))
    originals = {
        d.source_id: d
        for d in SourceDocument.objects.filter(source__in=[t.source_id for t in texts]).order_by(
            "id"
        )
    }
    for text in texts:
        # Shown beside the text; not a field of AgreementText.
        text.original = originals.get(text.source_id)  # type: ignore[attr-defined]
    clauses = list(agreements.clauses_with_anchor(deal=deal))
    rows = [(c, agreements.clause_anchor_of(c), agreements.is_anchored(c)) for c in clauses]
    editor = can_anchor(request.user)
    context = {
        "deal": deal,
        "texts": texts,
        "rows": rows,
        "unanchored": [c for c, _, anchored in rows if not anchored],
        "show_internal": sees_drafts(request.user),
        "can_anchor": editor,
        "can_add_text": request.user.has_perm("claims.add_agreementtext"),
        "proposals": list(agreements.pending_proposals(deal=deal)) if editor else [],
        "phases": deal_queries.phases_of_deal(deal=deal),
        "categories": Clause.Category.choices,
        "roles": AgreementText.Role.choices,
    }
    return render(request, "desk/deal_agreement.html", context)


@require_POST
@permission_required("claims.add_agreementtext", "sources.change_source")
def deal_agreement_text_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Make a source the deal's agreement text (the signed text, a translation, ...)."""
    deal = get_object_or_404(Deal, slug=slug)
    raw = (request.POST.get("source") or "").strip().lstrip("#")
    source = Source.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if source is None:
        messages.error(request, f"There is no source number “{raw[:20]}”.")
    else:
        try:
            agreements.agreement_text_add(
                deal=deal, source=source, role=request.POST.get("role", ""), by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"“{source.title}” is now an agreement text of this deal: "
                "open it and mark the words of each clause.",
            )
    return redirect(reverse("desk:deal-agreement", kwargs={"slug": deal.slug}))


@require_POST
@permission_required("claims.change_clauseproposal", *ANCHOR_PERMS)
def deal_agreement_proposal(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Accept (with the editor's reference, title, category, phase) or reject a proposed clause."""
    deal = get_object_or_404(Deal, slug=slug)
    proposal = get_object_or_404(ClauseProposal, pk=request.POST.get("proposal") or 0, deal=deal)
    back = reverse("desk:deal-agreement", kwargs={"slug": deal.slug})
    try:
        if request.POST.get("action") == "reject":
            agreements.clause_proposal_reject(proposal=proposal, by=request.user)
            messages.success(request, f"Proposal {proposal.reference} rejected.")
            return redirect(back + "#proposals")
        phase = deal.phases.filter(order=request.POST.get("phase") or -1).first()
        clause = agreements.clause_proposal_accept(
            proposal=proposal,
            reference=request.POST.get("reference", ""),
            title=request.POST.get("title", ""),
            category=request.POST.get("category") or Clause.Category.OTHER,
            phase=phase,
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, f"Proposal {proposal.reference}: {' '.join(exc.messages)}")
        return redirect(back + f"#proposal-{proposal.pk}")
    messages.success(request, f"Clause {clause.reference} added, anchored in the agreement text.")
    return redirect(back + "#proposals")


@require_POST
@permission_required(*ANCHOR_PERMS)
def passage_clause(request: HtmxHttpRequest, pk: int, passage_pk: int) -> HttpResponse:
    """From the agreement's reading view: a new clause from these words, or an existing one anchored here."""
    from ..htmx import is_partial
    from .annotate import _panel_response

    source = get_object_or_404(Source, pk=pk)
    passage = get_object_or_404(
        Passage.objects.select_related("source", "revision_anchored").defer(
            "revision_anchored__text"
        ),
        pk=passage_pk,
        source=source,
    )
    deal = get_object_or_404(Deal, slug=request.POST.get("clause_deal", ""))
    action = request.POST.get("action")
    try:
        if action == "new":
            phase = deal.phases.filter(order=request.POST.get("phase") or -1).first()
            clause = agreements.clause_from_passage(
                deal=deal,
                passage=passage,
                reference=request.POST.get("reference", ""),
                title=request.POST.get("title", ""),
                category=request.POST.get("category") or Clause.Category.OTHER,
                phase=phase,
                by=request.user,
            )
            message = f"Clause {clause.reference} created from these words."
        elif action == "link":
            clause = get_object_or_404(Clause, deal=deal, reference=request.POST.get("clause", ""))
            agreements.clause_anchor_set(clause=clause, passage=passage, by=request.user)
            message = f"Clause {clause.reference} is now anchored in these words."
        else:
            raise ValidationError("Choose to create a clause or to anchor an existing one.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if not is_partial(request):
            messages.error(request, error)
            return redirect("desk:passage-detail", pk=source.pk, passage_pk=passage.pk)
        return _panel_response(
            request, source=source, passage=passage, status=422, clause_error=error
        )
    if not is_partial(request):
        messages.success(request, message)
        return redirect("desk:passage-detail", pk=source.pk, passage_pk=passage.pk)
    return _panel_response(request, source=source, passage=passage, message=message)


def clause_panel_context(*, source: Source, passage: Passage, user) -> dict:
    """What the passage panel shows of clauses: those anchored here, and the forms to anchor more."""
    if source.kind != Source.Kind.AGREEMENT_TEXT:
        return {}
    deals = agreements.agreement_deals(source=source)
    if not deals:
        return {}
    anchored = list(
        Clause.objects.filter(anchor__passage=passage).select_related("deal").order_by("reference")
    )
    context = {"agreement_deals": deals, "anchored_clauses": anchored}
    if can_anchor(user):
        context["clause_forms"] = [
            {
                "deal": deal,
                "clauses": list(
                    deal.clauses.only("id", "reference", "title", "deal_id").order_by(
                        "position", "reference"
                    )
                ),
                "phases": list(deal.phases.only("id", "order", "name", "deal_id")),
            }
            for deal in deals
        ]
        context["clause_categories"] = Clause.Category.choices
    return context
