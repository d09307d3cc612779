from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dealtracker.accounts.services import user_create

# Local use only: `make run` creates these so a new user can log in at once.
DEMO_ACCOUNTS = [
    ("reader", "reader", "demo-reader-pass"),
    ("editor", "editor", "demo-editor-pass"),
    ("admin", "admin", "demo-admin-pass"),
]


class Command(BaseCommand):
    help = "Create the demo reader, editor and admin accounts (local development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for local use: run with DEBUG=true.")
        User = get_user_model()
        self.stdout.write("Demo accounts (local use only):")
        for username, role, password in DEMO_ACCOUNTS:
            if not User.objects.filter(username=username).exists():
                user_create(username=username, password=password, role=role, validate=False)
            self.stdout.write(f"  {role:7} {username} / {password}")
