from __future__ import annotations

from django.conf import settings


def desk(request):
    """Values every page needs: the CSP nonce for htmx_script, the site mode, the user's role."""
    user = getattr(request, "user", None)
    return {
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "PUBLIC_READ": settings.PUBLIC_READ,
        "can_edit": bool(user and user.is_authenticated and user.has_perm("claims.change_claim")),
    }
