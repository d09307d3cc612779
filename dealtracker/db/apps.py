from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DbConfig(AppConfig):
    """The database layer's tricks and routing (no models): installs what a new
    connection takes (timestamps.py)."""

    name = "dealtracker.db"
    label = "dealtracker_db"

    def ready(self) -> None:
        from dealtracker.db.timestamps import use_iso_timestamps

        connection_created.connect(use_iso_timestamps, dispatch_uid="use_iso_timestamps")
