"""Resending a message as a permission, given to the roles that had it (reception and managers)."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

GRANTS = {role: ["notifications.resend_delivery"] for role in ("Reception", "Manager")}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0008_delivery_handed_at'),
        ("accounts", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='delivery',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('resend_delivery', 'Can resend a message to a patient')], 'verbose_name_plural': 'deliveries'},
        ),
        migrations.RunPython(forwards, backwards),
    ]
