"""API tokens: created by admins, shown once, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

# "dtk_" + 43 URL-safe characters (32 random bytes): recognisable in a config file or
# a secret scanner, and long enough that only its digest needs to be kept.
TOKEN_PREFIX = "dtk_"  # noqa: S105 — a marker, not a secret
SHOWN_PREFIX = 12
# last_used_at is written at most this often per token (one write per request would
# make every API call a write).
LAST_USED_EVERY = timedelta(minutes=5)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, by) -> tuple[ApiToken, str]:
    """A new token for `user`: (the stored row, the token itself — show it once, keep it nowhere)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:SHOWN_PREFIX],
        digest=token_digest(raw),
        created_by=by,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, by) -> bool:
    """Revoke a token from now on; False when it already was (the first revocation is kept)."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(changed)


def api_token_find(raw: str) -> ApiToken | None:
    """The token a client sent, with its user; None when no token has that digest.

    Revoked tokens are returned too (the caller says "revoked", not "unknown")."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is not None and not token.is_revoked:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
