"""Managers read the audit trail and the row history in the Wagtail admin (portal.core.audit_admin)."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

PERMISSIONS = ["core.view_auditevent"]


def forwards(apps, schema_editor):
    grant(apps, "Manager", PERMISSIONS)


def backwards(apps, schema_editor):
    revoke(apps, "Manager", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_historicaluser"), ("core", "0002_auditevent_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
