from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backups, restores, and the admin's page for deleted claims and sources."""

    name = "dealtracker.ops"
    label = "ops"
