"""Reception and managers edit rooms, opening hours and closures in the Wagtail admin."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

PERMISSIONS = [
    f"booking.{action}_{model}"
    for model in ("room", "openinghours", "closure")
    for action in ("add", "change", "delete", "view")
]
ROLES = ["Reception", "Manager"]


def forwards(apps, schema_editor):
    for role in ROLES:
        grant(apps, role, PERMISSIONS)


def backwards(apps, schema_editor):
    for role in ROLES:
        revoke(apps, role, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("booking", "0004_postgres_no_overlap"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
