from tests.suggestions.world import arabic_truce, truce  # noqa: F401 — fixtures
