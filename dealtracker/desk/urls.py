"""The desk's addresses (DESIGN.md, "Addresses")."""

from django.urls import path, register_converter

from .views import (  # noqa: F401
    agreements,  # a deal's agreement text, clauses anchored in it, proposals
    annotate,  # source reading view, annotating
    claim_edit,  # the claim editor, lookups of claims, parties and a deal's terms
    jobs,  # a queued job's status
    lists,  # claims list, search, exports, annotations, data dictionary
    pages,
    publishing,  # embeds, oEmbed, chart images, citations, permalinks
    records,  # assessments, slipping terms
    review,  # the review queue; confirming, moving and detaching flagged passages
    sources_in,  # sources list, adding and revising sources, review, history
    suggestions,  # suggested passages: more, accept, dismiss, restore
)


class ClauseRefConverter:
    """A clause reference in a URL: letters, digits, '.' and '-' only."""

    regex = r"[A-Za-z0-9.-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ClauseRefConverter, "ref")

app_name = "desk"

urlpatterns = [
    # --- reading (journalists) ---
    # --- reading pages: home, deals, matrix, phases, clauses, compare, claim, parties ---
    path("", pages.home, name="home"),
    path("deals/", pages.deal_list, name="deal-list"),
    path("deals/<slug:slug>/", pages.deal_detail, name="deal-detail"),
    path(
        "deals/<slug:slug>/matrix/<ref:ref>/<slug:party_slug>/",
        pages.deal_matrix_cell,
        name="deal-matrix-cell",
    ),
    path("deals/<slug:slug>/phases/<int:order>/", pages.phase_detail, name="phase-detail"),
    path("deals/<slug:slug>/clauses/<ref:ref>/", pages.clause_detail, name="clause-detail"),
    path("deals/<slug:slug>/compare/<slug:other_slug>/", pages.deal_compare, name="deal-compare"),
    path("claims/<int:pk>/", pages.claim_detail, name="claim-detail"),
    path("parties/", pages.party_list, name="party-list"),
    path("parties/<slug:slug>/", pages.party_detail, name="party-detail"),
    # --- end of reading pages ---
    # --- lists, search, exports ---
    path("claims/", lists.claim_list, name="claim-list"),
    path("claims.csv", lists.claim_csv, name="claim-csv"),
    path("search/", lists.search, name="search"),
    path("deals/<slug:slug>.json", lists.deal_json, name="deal-json"),
    path("deals/<slug:slug>/feed.atom", lists.deal_feed, name="deal-feed"),
    path("feeds/claims.atom", lists.claims_feed, name="claims-feed"),
    path(
        "sources/<int:pk>/annotations.jsonld",
        lists.source_annotations,
        name="source-annotations",
    ),
    path("annotations.jsonld", lists.all_annotations, name="annotations"),
    path("data/", lists.data_dictionary, name="data-dictionary"),
    # --- end of lists, search, exports ---
    # --- editing (editors) ---
    # --- source reading view, annotating, claim editing ---
    path("sources/<int:pk>/", annotate.source_detail, name="source-detail"),
    path("sources/<int:pk>/passages/", annotate.passage_create, name="passage-create"),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/",
        annotate.passage_detail,
        name="passage-detail",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/evidence/",
        annotate.evidence_create,
        name="evidence-create",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/edit/",
        annotate.passage_edit,
        name="passage-edit",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/delete/",
        annotate.passage_remove,
        name="passage-delete",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/confirm/",
        review.passage_confirm_view,
        name="passage-confirm",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/move/",
        review.passage_move_view,
        name="passage-move",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/detach/",
        review.passage_detach_view,
        name="passage-detach",
    ),
    path("evidence/<int:pk>/edit/", annotate.evidence_edit, name="evidence-edit"),
    path("evidence/<int:pk>/delete/", annotate.evidence_remove, name="evidence-delete"),
    path("claims/lookup/", claim_edit.claim_lookup, name="claim-lookup"),
    path("claims/lookup/parties/", claim_edit.party_lookup, name="party-lookup"),
    path("claims/lookup/parties/pick/", claim_edit.party_pick, name="party-pick"),
    path("claims/lookup/terms/", claim_edit.claim_terms, name="claim-terms"),
    path("claims/<int:pk>/edit/", claim_edit.claim_edit, name="claim-edit"),
    path("claims/<int:pk>/verification/", claim_edit.claim_verification, name="claim-verification"),
    path("claims/<int:pk>/publish/", claim_edit.claim_publish_view, name="claim-publish"),
    path("claims/<int:pk>/delete/", claim_edit.claim_delete_view, name="claim-delete"),
    # --- end of source reading view, annotating, claim editing ---
    # --- suggested passages (editors) ---
    path("sources/<int:pk>/suggestions/", suggestions.suggestion_list, name="suggestion-list"),
    path(
        "sources/<int:pk>/suggestions/<int:suggestion_pk>/accept/",
        suggestions.suggestion_accept_view,
        name="suggestion-accept",
    ),
    path(
        "sources/<int:pk>/suggestions/<int:suggestion_pk>/dismiss/",
        suggestions.suggestion_dismiss_view,
        name="suggestion-dismiss",
    ),
    path(
        "sources/<int:pk>/suggestions/<int:suggestion_pk>/restore/",
        suggestions.suggestion_restore_view,
        name="suggestion-restore",
    ),
    # --- end of suggested passages ---
    # --- sources in: list, add, revise, revisions, review, history ---
    path("sources/", sources_in.source_list, name="source-list"),
    # A queued job (dealtracker/tasks): its status, polled while it runs.
    path("jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("sources/new/", sources_in.source_new, name="source-new"),
    path("sources/review/", review.passage_review, name="passage-review"),
    path("sources/<int:pk>/revise/", sources_in.source_revise, name="source-revise"),
    path("sources/<int:pk>/delete/", sources_in.source_delete, name="source-delete"),
    path("sources/<int:pk>/original/", sources_in.source_document, name="source-document"),
    path(
        "sources/<int:pk>/revisions/<int:number>/",
        sources_in.source_revision,
        name="source-revision",
    ),
    path("sources/<int:pk>/history/", sources_in.source_history, name="source-history"),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/history/",
        sources_in.passage_history,
        name="passage-history",
    ),
    path("claims/<int:pk>/history/", sources_in.claim_history, name="claim-history"),
    # --- end of sources in ---
    # --- records (assessments, deadlines) ---
    path(
        "deals/<slug:slug>/clauses/<ref:ref>/assessments/new/",
        records.assessment_new,
        name="assessment-new",
    ),
    path(
        "assessments/<int:pk>/publish/", records.assessment_publish_view, name="assessment-publish"
    ),
    path("slipping/", records.slipping, name="slipping"),
    path("slipping.atom", records.slipping_feed, name="slipping-feed"),
    # --- end of records ---
    # --- publishing: embeds, oEmbed, chart images, citations, permalinks ---
    path("embed/deals/<slug:slug>/matrix/", publishing.embed_matrix, name="embed-matrix"),
    path("embed/deals/<slug:slug>/rollups/", publishing.embed_rollups, name="embed-rollups"),
    path("embed/deals/<slug:slug>/timeline/", publishing.embed_timeline, name="embed-timeline"),
    path(
        "embed/deals/<slug:slug>/clauses/<ref:ref>/chart/",
        publishing.embed_clause_chart,
        name="embed-clause-chart",
    ),
    path("oembed/", publishing.oembed, name="oembed"),
    path(
        "deals/<slug:slug>/timeline.svg",
        publishing.deal_chart,
        {"chart": "timeline", "fmt": "svg"},
        name="deal-timeline-svg",
    ),
    path(
        "deals/<slug:slug>/timeline.png",
        publishing.deal_chart,
        {"chart": "timeline", "fmt": "png"},
        name="deal-timeline-png",
    ),
    path(
        "deals/<slug:slug>/rollups.svg",
        publishing.deal_chart,
        {"chart": "rollups", "fmt": "svg"},
        name="deal-rollups-svg",
    ),
    path(
        "deals/<slug:slug>/rollups.png",
        publishing.deal_chart,
        {"chart": "rollups", "fmt": "png"},
        name="deal-rollups-png",
    ),
    path(
        "deals/<slug:slug>/clauses/<ref:ref>/chart.svg",
        publishing.clause_chart,
        {"fmt": "svg"},
        name="clause-chart-svg",
    ),
    path(
        "deals/<slug:slug>/clauses/<ref:ref>/chart.png",
        publishing.clause_chart,
        {"fmt": "png"},
        name="clause-chart-png",
    ),
    path("deals/<slug:slug>/cite.bib", publishing.deal_cite, {"fmt": "bib"}, name="deal-cite-bib"),
    path(
        "deals/<slug:slug>/cite.json", publishing.deal_cite, {"fmt": "json"}, name="deal-cite-csl"
    ),
    path(
        "deals/<slug:slug>/clauses/<ref:ref>/cite.bib",
        publishing.clause_cite,
        {"fmt": "bib"},
        name="clause-cite-bib",
    ),
    path(
        "deals/<slug:slug>/clauses/<ref:ref>/cite.json",
        publishing.clause_cite,
        {"fmt": "json"},
        name="clause-cite-csl",
    ),
    path("claims/<int:pk>/cite.bib", publishing.claim_cite, {"fmt": "bib"}, name="claim-cite-bib"),
    path(
        "claims/<int:pk>/cite.json", publishing.claim_cite, {"fmt": "json"}, name="claim-cite-csl"
    ),
    path("d/<int:pk>/", publishing.deal_permalink, name="deal-permalink"),
    path("c/<int:pk>/", publishing.clause_permalink, name="clause-permalink"),
    # --- end of publishing ---
    # --- agreements: a deal's own text and its clauses anchored in it ---
    path("deals/<slug:slug>/agreement/", agreements.deal_agreement, name="deal-agreement"),
    path(
        "deals/<slug:slug>/agreement/texts/",
        agreements.deal_agreement_text_add,
        name="deal-agreement-text-add",
    ),
    path(
        "deals/<slug:slug>/agreement/proposals/",
        agreements.deal_agreement_proposal,
        name="deal-agreement-proposal",
    ),
    path(
        "sources/<int:pk>/passages/<int:passage_pk>/clause/",
        agreements.passage_clause,
        name="passage-clause",
    ),
    # --- end of agreements ---
]
