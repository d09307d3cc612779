"""The Django admin refuses everyone but admins (DESIGN.md, "Who uses it").

Admins are staff in the group Admins (or superusers). Editors are not staff and
work in the desk; the check is made explicit here so that a staff flag set by
mistake on a journalist's account does not open the admin.
"""

from __future__ import annotations

from types import MethodType

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from .models import ApiToken
from .roles import is_admin
from .tokens import api_token_create, api_token_revoke


def _admins_only(self, request: HttpRequest) -> bool:
    return is_admin(request.user)


# admin.autodiscover() imports this module once, at startup, before any request.
admin.site.has_permission = MethodType(_admins_only, admin.site)  # type: ignore[method-assign]
admin.site.site_header = "dealtracker administration"
admin.site.site_title = "dealtracker admin"
admin.site.index_title = "Parties, deals, sources, claims and users"


# --- API tokens (the read API, dealtracker/api) -----------------------------------------


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins create a token for a user and hand it over; it is shown once, on creation."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["revoke_selected"]
    readonly_fields = [
        "user",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["name", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = api_token_create(
            user=form.cleaned_data["user"], name=form.cleaned_data["name"], by=request.user
        )
        obj.pk = token.pk
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        # Kept on the request only, for response_add: the token is never stored or logged.
        request._new_api_token = raw

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_new_api_token", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "API token created",
            "token": obj,
            "raw": raw,
            "opts": self.model._meta,
            "list_url": reverse("admin:accounts_apitoken_changelist"),
        }
        response = TemplateResponse(request, "admin/accounts/apitoken_created.html", context)
        # The page holds a secret: no cache may keep it, and the browser should not either.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset) -> None:
        revoked = sum(api_token_revoke(token=t, by=request.user) for t in queryset)
        self.message_user(
            request,
            f"{revoked} token{'s' if revoked != 1 else ''} revoked; scripts using "
            f"{'them' if revoked != 1 else 'it'} now get 401.",
            messages.SUCCESS,
        )
