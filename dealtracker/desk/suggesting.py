"""The suggestions panel of the reading view: who sees it, what it shows, what Accept pre-fills.

The suggestions themselves (rules, ranking, storage) are the suggestions
app's; this is only the page side, shared by the reading view (annotate.py)
and the suggestions endpoints (views/suggestions.py).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse

from dealtracker.desk.camefrom import CameFrom
from dealtracker.desk.forms.annotate import prefill_fields
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


def list_url(source: Source, came: CameFrom | None = None, **params) -> str:
    """The suggestions endpoint's address with `params`, carrying the page the editor came from."""
    query = {name: value for name, value in params.items() if value}
    if came is not None:
        query["from"] = came.path
    url = reverse("desk:suggestion-list", kwargs={"pk": source.pk})
    return f"{url}?{urlencode(query)}" if query else url


def panel_context(
    *,
    source: Source,
    revision: SourceRevision | None = None,
    compute: bool = False,
    offset: int = 0,
    dismissed: bool = False,
    came: CameFrom | None = None,
) -> dict:
    """What the suggestions panel shows: one page of open (or dismissed) suggestions.

    Four queries whatever the number of suggestions (the run, the page, its
    parties, the counts). When the current revision has none yet (an imported
    source, new rules), the reading page only says so and lets the panel load
    itself from the suggestions endpoint, which computes them (`compute`): a
    reading page never writes. Its links carry `came` (desk/camefrom.py), and
    so does every Accept, into the new claim.
    """
    revision = revision or source.revisions.only("id", "source_id").current()
    run = (
        SuggestionRun.objects.filter(revision_id=revision.pk, rules_version=RULES_VERSION).first()
        if revision is not None
        else None
    )
    if run is None and compute and revision is not None:
        run = suggestions_current(source=source)
    flag = "1" if dismissed else ""
    base = {
        "show_suggestions": True,
        "suggestion_run": run,
        "suggestions_url": list_url(source, came),
        "suggestion_load_url": list_url(source, came, collapsed="1"),
        "suggestion_first_url": list_url(source, came, dismissed=flag),
        "suggestion_dismissed_url": list_url(source, came, dismissed="1"),
        "suggestion_dismissed": dismissed,
        "suggestion_offset": offset,
    }
    if run is None:
        return {**base, "suggestion_pending": revision is not None, "suggestion_page": []}
    listed = dismissed_suggestions(run=run) if dismissed else open_suggestions(run=run)
    page = list(_with_parties(listed)[offset : offset + PAGE + 1])
    more = len(page) > PAGE
    counts = suggestion_counts(run=run)
    after = offset + PAGE if more and offset + PAGE <= MAX_OFFSET else None
    return {
        **base,
        "suggestion_page": page[:PAGE],
        "suggestion_more_url": list_url(source, came, offset=after, dismissed=flag)
        if after
        else None,
        "suggestion_open_count": counts["open"],
        "suggestion_dismissed_count": counts["dismissed"],
    }


def claim_prefill(suggestion: Suggestion) -> dict:
    """What an accepted suggestion fills in on the new-claim form: its guesses.

    For annotate_forms.prefill_fields/prefill_query, the desk's one way to
    open that form filled in (`claim-<field>`; see new_claim_prefill): the deal
    by slug, the other rows by id. The editor checks, rewords and saves.
    """
    values: dict = {
        "deal": suggestion.deal.slug if suggestion.deal else None,
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


def accept_fields(suggestion: Suggestion) -> list[tuple[str, str]]:
    """The hidden `claim-<field>` inputs of a suggestion's Accept button."""
    return prefill_fields(claim_prefill(suggestion))
