"""The page side of reviewing flagged passages: the review queue's list and the review box of
the reading view's passage panel. The rules (confirm, move, detach) are the sources app's
(sources/review.py); this is what the pages show about them, shared by the reading view
(views/annotate.py) and the review endpoints (views/review.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dealtracker.desk.paging import paginate
from dealtracker.sources.models import Passage, Reanchoring, Source
from dealtracker.sources.review import review_state, to_review

REVIEW_PER_PAGE = 25


def can_review(user) -> bool:
    """Editors and admins: confirm, move and detach passages."""
    return bool(user.is_authenticated and user.has_perm("sources.change_passage"))


@dataclass(frozen=True)
class Flag:
    """Why a passage is flagged, in an editor's words, from its last re-anchoring."""

    why: str
    method: str = ""
    score: float | None = None
    revision: int | None = None


def flag_reason(passage: Passage, last: Reanchoring | None) -> Flag:
    revision = last.to_revision.number if last is not None else None
    in_revision = f" in revision {revision}" if revision else ""
    status = passage.anchor_status
    if status == Passage.AnchorStatus.ORPHANED:
        why = (
            f"Its words were not found{in_revision}: it has no place in the current text. "
            "Select the right words to move it there, or detach it."
        )
    elif status == Passage.AnchorStatus.CHANGED:
        why = (
            f"Its words changed{in_revision}. Confirm it if the claims resting on it "
            "still hold for the new words; move it if it is on the wrong sentence."
        )
    else:
        why = (
            f"It was found{in_revision} only approximately, or among copies of its words "
            "elsewhere in the text: check it is on the right sentence."
        )
    if last is None:
        return Flag(why)
    return Flag(why, method=last.method, score=last.score, revision=revision)


def review_panel_context(*, source: Source, passage: Passage, user) -> dict:
    """What the passage panel's review box needs: the token of what the editor sees, the
    revision the move form's offsets are counted in, and why the passage is flagged."""
    if not can_review(user):
        return {}
    context = {
        "can_review": True,
        "review_seen": review_state(passage),
        "review_revision": source.revisions.current_value("number"),
    }
    if passage.needs_review:
        last = (
            Reanchoring.objects.filter(passage=passage)
            .select_related("to_revision")
            .only("id", "method", "score", "passage_id", "to_revision__number")
            .order_by("-id")
            .first()
        )
        context["review_flag"] = flag_reason(passage, last)
    return context


# --- the review queue ------------------------------------------------------------------


def queue_url(params: QueryDict | None = None) -> str:
    url = reverse("desk:passage-review")
    query = params.urlencode() if params else ""
    return f"{url}?{query}" if query else url


def queue_params(request: HttpRequest) -> QueryDict | None:
    """The queue's filters and page when a review action was posted from the queue (its
    `next` field names the queue's address); None when it came from the reading view."""
    nxt = request.POST.get("next", "")
    if not nxt or not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return None
    parts = urlsplit(nxt)
    if parts.path != reverse("desk:passage-review"):
        return None
    return QueryDict(parts.query)


def queue_context(request: HttpRequest, params: QueryDict) -> dict:
    """The review queue's list for these filters: flagged passages, oldest source first."""
    latest = Reanchoring.objects.filter(passage=OuterRef("pk")).order_by("-id")
    passages = (
        Passage.objects.filter(to_review())
        .select_related("source", "revision_anchored")
        .defer("source__text", "source__search_vector", "revision_anchored__text", "search_vector")
        .annotate(
            evidence_count=Count("evidence", distinct=True),
            last_method=Subquery(latest.values("method")[:1]),
            last_revision=Subquery(latest.values("to_revision__number")[:1]),
        )
        .order_by("source_id", "start", "id")
    )
    status = params.get("status", "")
    if status in Passage.AnchorStatus.values:
        passages = passages.filter(anchor_status=status)
    else:
        status = ""
    paging = paginate(request, passages, REVIEW_PER_PAGE, params=params)
    kept = QueryDict(mutable=True)
    if status:
        kept["status"] = status
    if paging.page.number > 1:
        kept["page"] = str(paging.page.number)
    for passage in paging.page.object_list:
        passage.review_seen = review_state(passage)
    return {
        "paging": paging,
        "status": status,
        "statuses": Passage.AnchorStatus.choices,
        "queue_url": queue_url(kept),
    }
