"""The practice's roles as groups. Each app's own migrations add the permissions for its models."""

from django.db import migrations

from portal.accounts.grants import grant

ROLES = ["Patient", "Referring doctor", "Reception", "Radiographer", "Radiologist", "Manager", "Marketing editor"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    # Staff who edit things in the Wagtail admin (pages, catalogue, rooms) may open it.
    for role in ["Marketing editor", "Manager", "Reception"]:
        grant(apps, role, ["wagtailadmin.access_admin"])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
