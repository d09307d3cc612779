"""The desk's addresses (DESIGN.md, "Addresses")."""

from django.urls import path, register_converter

from .views import reading  # noqa: F401


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
    # --- editing (editors) ---
    # --- records (assessments, deadlines) ---
]
