"""Give the roles their report permissions."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

GRANTS = {
    "Radiologist": ["reports.add_report", "reports.change_report", "reports.view_report", "reports.sign_report",
                    "reports.upload_report_pdf"],
    "Manager": ["reports.view_report", "reports.upload_report_pdf", "reports.view_reportaccess"],
    "Reception": ["reports.view_report"],
    "Radiographer": ["reports.view_report"],
}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_turnaround_release_permissions"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
