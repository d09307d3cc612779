from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    """Formats other programs read and write: CSV/JSON exports, W3C annotations,
    ClaimReview, the sources' JSON Lines archive and the data dictionary that
    describes them. Knows the domain apps and the pages' addresses; has no models."""

    name = "dealtracker.interchange"
    label = "interchange"
