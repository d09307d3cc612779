"""The suggestions panel of the reading view: who sees it, what it shows, what Accept pre-fills.

The suggestions themselves (rules, ranking, storage) are the suggestions
app's; this is only the page side, shared by the reading view (annotate.py)
and the suggestions endpoints (views/suggestions.py).
"""

from __future__ import annotations

import logging

from django.db.models import Prefetch
from django.urls import reverse

from dealtracker.desk.annotate_forms import prefill_query
from dealtracker.sources.models import Source, SourceRevision
from dealtracker.suggestions.models import SuggestedParty, Suggestion, SuggestionRun
from dealtracker.suggestions.services import (
    RULES_VERSION,
    dismissed_suggestions,
    open_suggestions,
    suggestion_counts,
    suggestions_current,
    suggestions_refresh,
)

logger = logging.getLogger(__name__)

# Suggestions shown at once; "Show more" brings the next as many.
PAGE = 30
# Suggestions an editor can page through at most (the best ones).
MAX_OFFSET = 300


def can_suggest(user) -> bool:
    """Editors and admins: the panel and its actions. Readers and visitors never see it."""
    return bool(
        user.is_authenticated
        and user.has_perms(
            ["suggestions.change_suggestion", "sources.add_passage", "claims.add_claim"]
        )
    )


def _with_parties(suggestions):
    return suggestions.prefetch_related(
        Prefetch(
            "named",
            queryset=SuggestedParty.objects.select_related("party").order_by("position"),
        )
    )


def suggest_after_save(source: Source) -> str:
    """Compute a new or revised text's suggestions now; the words to add to the editor's message.

    A failure here never undoes the save: the suggestions are computed again
    when the source is next opened.
    """
    try:
        run = suggestions_refresh(source=source)
        count = open_suggestions(run=run).count()
    except Exception:
        logger.exception("suggestions for source %s could not be computed", source.pk)
        return ""
    if not count:
        return ""
    return f" {count} suggested passage{'s' if count != 1 else ''} to review."


def parse_offset(value) -> int:
    try:
        offset = int(str(value or "0"))
    except ValueError:
        return 0
    return min(max(offset, 0), MAX_OFFSET) // PAGE * PAGE


def panel_context(
    *,
    source: Source,
    revision: SourceRevision | None = None,
    compute: bool = False,
    offset: int = 0,
    dismissed: bool = False,
) -> dict:
    """What the suggestions panel shows: one page of open (or dismissed) suggestions.

    Four queries whatever the number of suggestions (the run, the page, its
    parties, the counts). When the current revision has none yet (an imported
    source, new rules), the reading page only says so and lets the panel load
    itself from the suggestions endpoint, which computes them (`compute`): a
    reading page never writes.
    """
    revision = revision or source.revisions.order_by("-number").only("id", "source_id").first()
    run = (
        SuggestionRun.objects.filter(revision_id=revision.pk, rules_version=RULES_VERSION).first()
        if revision is not None
        else None
    )
    if run is None and compute and revision is not None:
        run = suggestions_current(source=source)
    base = {
        "show_suggestions": True,
        "suggestion_run": run,
        "suggestions_url": reverse("desk:suggestion-list", kwargs={"pk": source.pk}),
        "suggestion_dismissed": dismissed,
        "suggestion_offset": offset,
    }
    if run is None:
        return {**base, "suggestion_pending": revision is not None, "suggestion_page": []}
    listed = dismissed_suggestions(run=run) if dismissed else open_suggestions(run=run)
    page = list(_with_parties(listed)[offset : offset + PAGE + 1])
    more = len(page) > PAGE
    counts = suggestion_counts(run=run)
    return {
        **base,
        "suggestion_page": page[:PAGE],
        "suggestion_next": offset + PAGE if more and offset + PAGE <= MAX_OFFSET else None,
        "suggestion_open_count": counts["open"],
        "suggestion_dismissed_count": counts["dismissed"],
    }


def claim_prefill(suggestion: Suggestion) -> dict:
    """The new-claim form's values for an accepted suggestion, for annotate_forms.prefill_query.

    The desk's one way to open the form filled in (`claim-<field>`, see
    annotate_forms.new_claim_prefill): the deal by slug, the other rows by id.
    The editor checks, rewords and saves.
    """
    values: dict = {
        "deal": suggestion.deal.slug if suggestion.deal_id else None,
        "phase": suggestion.phase_id,
        "clause": suggestion.clause_id,
        "claimant": suggestion.claimant_id,
        "subjects": [n.party_id for n in suggestion.named.all()],
        "kind": suggestion.kind,
        "compliance": suggestion.compliance,
        "statement": suggestion.statement,
        "attribution": suggestion.attribution,
    }
    return {name: value for name, value in values.items() if value}


def prefilled_panel_url(suggestion: Suggestion, passage_pk: int) -> str:
    """The accepted passage's address, which opens the new-claim form filled in."""
    url = reverse(
        "desk:passage-detail", kwargs={"pk": suggestion.source_id, "passage_pk": passage_pk}
    )
    return f"{url}?{prefill_query(claim_prefill(suggestion))}"
