"""Managers edit the report templates in the Wagtail admin; radiologists read them."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

GRANTS = {
    "Manager": ["reports.add_reporttemplate", "reports.change_reporttemplate", "reports.delete_reporttemplate",
                "reports.view_reporttemplate"],
    "Radiologist": ["reports.view_reporttemplate"],
}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_report_template_revisions_critical_notice"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
