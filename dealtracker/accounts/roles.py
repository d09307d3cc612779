"""The roles of DESIGN.md as Django groups carrying model permissions.

A reader browses everything (drafts and internal notes included); an editor
also writes sources, passages, claims, evidence and assessments in the desk; an
admin also manages parties, deals, phases, clauses and users in the admin.
"""

from __future__ import annotations

from django.db import models

JOURNALISTS = "Journalists"
EDITORS = "Editors"
ADMINS = "Admins"

DOMAIN_APPS = ("deals", "sources", "claims")

# (app_label, model) pairs an editor adds, changes and deletes in the desk.
EDITOR_MODELS = (
    ("sources", "source"),
    ("sources", "sourcerevision"),
    ("sources", "passage"),
    ("claims", "claim"),
    ("claims", "evidence"),
    ("claims", "verificationchange"),
    ("claims", "assessment"),
    # Accepting or dismissing the desk's suggested passages (readers never see them).
    ("suggestions", "suggestion"),
    # Agreements: editors anchor clauses in the agreement text and review proposed ones.
    ("claims", "agreementtext"),
    ("claims", "clauseanchor"),
    ("claims", "clauseproposal"),
    ("sources", "sourcedocument"),
)


# Any of these makes a user an editor (or an admin) for the pages: edit controls are
# shown, and pages are rendered for them alone rather than cached per tier.
EDITING_PERMISSIONS = (
    "claims.change_claim",
    "claims.add_assessment",
    "claims.change_assessment",
    "sources.change_source",
    "deals.change_deal",
)


def sees_drafts(user) -> bool:
    """The one visibility rule: drafts (claims, assessments) and internal notes (on
    passages, evidence, verification changes) are for logged-in readers, editors and
    admins, never for public visitors (DESIGN.md, "Who uses it")."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.view_claim"))


def is_editor(user) -> bool:
    """An editor or an admin: someone who may change what the pages show."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or any(user.has_perm(p) for p in EDITING_PERMISSIONS)


class Role(models.TextChoices):
    READER = "reader", "reader (journalist)"
    EDITOR = "editor", "editor"
    ADMIN = "admin", "admin"


ROLE_GROUP = {Role.READER: JOURNALISTS, Role.EDITOR: EDITORS, Role.ADMIN: ADMINS}


def group_permissions(Permission, ContentType) -> dict[str, list]:
    """The permissions of each group, given the (possibly historical) models."""
    domain_types = ContentType.objects.filter(app_label__in=DOMAIN_APPS)
    view = list(
        Permission.objects.filter(content_type__in=domain_types, codename__startswith="view_")
    )
    editor_extra = []
    for app_label, model in EDITOR_MODELS:
        editor_extra += list(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"add_{model}", f"change_{model}", f"delete_{model}"],
            )
        )
    # accounts: the API tokens admins hand out (dealtracker/api).
    admin_types = ContentType.objects.filter(
        app_label__in=(*DOMAIN_APPS, "suggestions", "auth", "accounts")
    )
    return {
        JOURNALISTS: view,
        EDITORS: view + editor_extra,
        ADMINS: list(Permission.objects.filter(content_type__in=admin_types)),
    }


def is_admin(user) -> bool:
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.groups.filter(name=ADMINS).exists())
    )
