from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "dealtracker.sources"
    label = "sources"
