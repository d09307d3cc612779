from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "dealtracker.desk"
    label = "desk"
