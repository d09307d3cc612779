"""Create the Journalists, Editors and Admins groups with their model permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from dealtracker.accounts.roles import group_permissions


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in global_apps.get_app_configs():
        # create_permissions skips apps whose models module is not loaded yet;
        # put the real value back after, or post_migrate and the test runner's
        # serialisation would skip every app in this process.
        models_module = app_config.models_module
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, permissions in group_permissions(Permission, ContentType).items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Journalists", "Editors", "Admins"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deals", "0002_search"),
        ("sources", "0002_search_and_spans"),
        ("claims", "0002_search"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
