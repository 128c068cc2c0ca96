"""The staff's actions on appointments as permissions, given to the roles exactly as booking's role
sets gave them (rules.STAFF_ACTIONS, WORKLIST_ROLES, BOOK_FOR_PATIENT_ROLES before this migration)."""

from django.db import migrations

from portal.accounts.grants import grant, revoke


def _perms(*codenames: str) -> list[str]:
    return [f"booking.{c}" for c in codenames]


GRANTS = {
    "Reception": _perms("book_for_patient", "view_worklist", "confirm_appointment", "check_in_appointment",
                        "no_show_appointment", "cancel_appointment", "move_appointment"),
    "Radiographer": _perms("view_worklist", "check_in_appointment", "complete_appointment"),
    "Radiologist": _perms("view_worklist", "complete_appointment", "review_appointment"),
    "Manager": _perms("book_for_patient", "view_worklist", "confirm_appointment", "check_in_appointment",
                      "complete_appointment", "no_show_appointment", "cancel_appointment", "move_appointment"),
}


def forwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        grant(apps, role, perms)


def backwards(apps, schema_editor):
    for role, perms in GRANTS.items():
        revoke(apps, role, perms)


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0008_history_of_imaging_identifiers'),
        ("accounts", "0002_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='appointment',
            options={'ordering': ['start'], 'permissions': [('book_for_patient', 'Can book an appointment for a patient'), ('view_worklist', 'Can see the worklist of appointments'), ('confirm_appointment', 'Can confirm an appointment'), ('check_in_appointment', 'Can check a patient in'), ('complete_appointment', 'Can mark a scan complete'), ('no_show_appointment', 'Can mark an appointment as not attended'), ('cancel_appointment', "Can cancel any patient's appointment"), ('move_appointment', "Can move any patient's appointment"), ('review_appointment', "Can review an appointment's safety answers")]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
