"""The Django admin refuses everyone but admins (DESIGN.md, "Who uses it").

Admins are staff in the group Admins (or superusers). Editors are not staff and
work in the desk; the check is made explicit here so that a staff flag set by
mistake on a journalist's account does not open the admin.
"""

from __future__ import annotations

from types import MethodType

from django.contrib import admin
from django.http import HttpRequest

from .roles import is_admin


def _admins_only(self, request: HttpRequest) -> bool:
    return is_admin(request.user)


# admin.autodiscover() imports this module once, at startup, before any request.
admin.site.has_permission = MethodType(_admins_only, admin.site)
admin.site.site_header = "dealtracker administration"
admin.site.site_title = "dealtracker admin"
admin.site.index_title = "Parties, deals, sources, claims and users"
