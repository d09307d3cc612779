from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dealtracker.accounts"
    label = "accounts"
