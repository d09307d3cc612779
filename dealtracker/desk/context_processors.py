from __future__ import annotations

from django.conf import settings

from dealtracker.accounts.roles import is_editor


def desk(request):
    """Values every page needs: the CSP nonce for htmx_script, the site mode, the user's role."""
    user = getattr(request, "user", None)
    return {
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "PUBLIC_READ": settings.PUBLIC_READ,
        "can_edit": is_editor(user),
    }
