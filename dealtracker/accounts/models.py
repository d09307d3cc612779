"""Tokens for the read API (dealtracker/api): readers script against the archive with them.

A token is shown once, when an admin creates it; only its SHA-256 is stored (a
token is 32 random bytes, so a plain digest is enough: there is nothing to
guess from it). A revoked token is kept, with who revoked it and when, so the
admin can tell which scripts stopped working and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dealtracker.text import SingleLineFields


class ApiToken(SingleLineFields, models.Model):
    single_line_fields = ("name",)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What it is for, e.g. “data desk notebook (Maya)”."
    )
    # The first characters of the token, to recognise it in lists and logs.
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the token, hex."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_token_digest_hex"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="api_token_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
