from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo data and the synthetic archive generator; models none (the demo's own
    record of what it loaded is desk.DemoRecord, kept with the data it describes)."""

    name = "devdata"
    label = "devdata"
