"""Managing the waitlist as a permission, given to the roles that had it (reception and managers)."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

GRANTS = {role: ["waitlist.manage_waitlist"] for role in ("Reception", "Manager")}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):

    dependencies = [
        ('waitlist', '0001_initial'),
        ("accounts", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='waitlistentry',
            options={'ordering': ['created_at', 'pk'], 'permissions': [('manage_waitlist', 'Can see the waitlist and offer slots by hand')], 'verbose_name_plural': 'waitlist entries'},
        ),
        migrations.RunPython(forwards, backwards),
    ]
