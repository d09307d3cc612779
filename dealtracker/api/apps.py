from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dealtracker.api"
    label = "api"
    verbose_name = "read API"
