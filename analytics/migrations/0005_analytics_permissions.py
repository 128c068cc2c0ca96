"""Seeing analytics and sending an extra reminder from it as permissions, given to the role that
had them (managers; analytics/rules.py tested the Manager group before this migration)."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

PERMISSIONS = ["analytics.view_analytics", "analytics.send_extra_reminder"]


def forwards(apps, schema_editor):
    grant(apps, "Manager", PERMISSIONS)


def backwards(apps, schema_editor):
    revoke(apps, "Manager", PERMISSIONS)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_daily_summary_fill'),
        ("accounts", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='dailyappointmentsummary',
            options={'permissions': [('view_analytics', "Can see the practice's analytics"), ('send_extra_reminder', 'Can send a patient an extra reminder from analytics')]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
