"""Give the roles their imaging permissions: clinical staff see every study; front desk,
radiographers and managers reconcile the unmatched ones; managers read the image access log."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

GRANTS = {
    "Radiologist": ["imaging.view_study", "imaging.reconcile_study"],
    "Radiographer": ["imaging.view_study", "imaging.reconcile_study"],
    "Reception": ["imaging.view_study", "imaging.reconcile_study"],
    "Manager": ["imaging.view_study", "imaging.reconcile_study", "imaging.view_imageaccess",
                "imaging.view_procedurestep"],
}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):
    dependencies = [
        ("imaging", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
