from __future__ import annotations

from django.core.management.base import BaseCommand

from dealtracker.desk.demo.load import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo deal from the sample report (the January 2025 Gaza ceasefire, the "
        "Egypt–Qatar proposal, the report and its claims). Running it again changes nothing."
    )

    def handle(self, *args, **options):
        result = load_demo()
        if not result.total:
            self.stdout.write("Demo data already loaded; nothing changed.")
            return
        made = ", ".join(f"{n} {what}" for what, n in result.created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {made}."))
