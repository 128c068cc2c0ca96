"""Managers and reception read patients' feedback."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

ROLES = ["Manager", "Reception"]


def forwards(apps, schema_editor):
    for role in ROLES:
        grant(apps, role, ["feedback.view_feedback"])


def backwards(apps, schema_editor):
    for role in ROLES:
        revoke(apps, role, ["feedback.view_feedback"])


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
