"""Give the role groups the permissions of the models added since 0001_roles.

On a fresh database 0001_roles runs in the same process as these migrations
and post_migrate does not reach the apps afterwards, so permissions of later
models are created here (on existing databases accounts.apps.sync_role_permissions
adds them at every migrate). Only adds; never takes a permission away.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dealtracker.accounts.roles import group_permissions


def sync_groups(apps, schema_editor):
    for app_config in global_apps.get_app_configs():
        models_module = app_config.models_module
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, permissions in group_permissions(Permission, ContentType).items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("deals", "0003_party_alias_trgm"),
        ("sources", "0004_historicalsourcerevision"),
        ("claims", "0004_historicalverificationchange"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
