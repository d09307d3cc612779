from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "dealtracker.deals"
    label = "deals"
