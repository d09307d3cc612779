"""Who may see and do what, checked on every view and HTMX endpoint.

- Reading views: anyone logged in with the domain's view permissions; anonymous
  visitors only when settings.PUBLIC_READ is on, and then only published things.
- Editing endpoints: the model permission they need (editors and admins).
Anonymous users are sent to the login page; logged-in users without the
permission get 403.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django_htmx.http import HttpResponseClientRedirect


def _to_login(request):
    if getattr(request, "htmx", False):
        from django.urls import reverse

        return HttpResponseClientRedirect(f"{reverse('login')}?next={request.get_full_path()}")
    return redirect_to_login(request.get_full_path())


def reader_required(view):
    """A reading view: public when PUBLIC_READ is on, else for logged-in readers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if not settings.PUBLIC_READ:
                return _to_login(request)
        elif not user.has_perm("claims.view_claim"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.access = "reader"
    return wrapped


def permission_required(*perms: str):
    """An editing endpoint: login, then every named model permission, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_login(request)
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access = "editor"
        wrapped.permissions = perms
        return wrapped

    return decorator
