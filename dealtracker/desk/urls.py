"""The desk's addresses (DESIGN.md, "Addresses")."""

from django.urls import path, register_converter

from .views import pages, reading  # noqa: F401


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
    # --- editing (editors) ---
    # --- records (assessments, deadlines) ---
]
