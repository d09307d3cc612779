from __future__ import annotations

from django.core.management.base import BaseCommand

from devdata.demo.load import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo deal from the sample report (the January 2025 Gaza ceasefire, the "
        "Egypt–Qatar proposal, the report and its claims). Running it again adds only demo "
        "records it never loaded: one an editor deleted stays deleted."
    )

    def handle(self, *args, **options):
        result = load_demo()
        if result.kept_deleted:
            gone = ", ".join(f"{n} {what}" for what, n in result.kept_deleted.items())
            kept = f" Deleted since it was loaded, and left deleted: {gone}."
        else:
            kept = ""
        if not result.total:
            self.stdout.write(f"Demo data already loaded; nothing changed.{kept}")
            return
        made = ", ".join(f"{n} {what}" for what, n in result.created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {made}.") + kept)
