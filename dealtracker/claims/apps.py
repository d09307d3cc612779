from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "dealtracker.claims"
    label = "claims"
