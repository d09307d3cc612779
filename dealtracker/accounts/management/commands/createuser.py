from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dealtracker.accounts.roles import Role
from dealtracker.accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user in a role: reader (journalist), editor or admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Prompted for when omitted (avoid passing it on a shared machine)."
        )

    def handle(self, *args, username, role, email, password, **options):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            user_create(username=username, password=password, role=role, email=email)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {role} {username!r}."))
