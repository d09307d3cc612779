from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_role_permissions(sender, using="default", apps=None, **kwargs):
    """Give the role groups the permissions of models added after their migration.

    Only adds: a permission an admin took away by hand from a group stays away
    only until the next model is added, which is the lesser surprise than a new
    model nobody may see.
    """
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from .roles import group_permissions

    for name, permissions in group_permissions(Permission, ContentType).items():
        # get_or_create: a flush (tests, `manage.py flush`) empties auth_group
        # and then sends post_migrate; the roles must come back with it.
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*permissions)


class AccountsConfig(AppConfig):
    name = "dealtracker.accounts"
    label = "accounts"

    def ready(self) -> None:
        # post_migrate is sent once per app with models (this one has none), after
        # that app's permissions are created; adding is idempotent, so run on each.
        post_migrate.connect(sync_role_permissions, dispatch_uid="sync_role_permissions")
