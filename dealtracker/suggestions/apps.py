from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "dealtracker.suggestions"
    label = "suggestions"
    verbose_name = "suggested passages"
