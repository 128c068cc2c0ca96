"""Reception and Manager record desk payments and claim outcomes and confirm refunds."""

from django.db import migrations

from portal.accounts.grants import grant, revoke

PERMISSIONS = [
    "payments.view_payment",
    "payments.add_payment",
    "payments.change_payment",
    "payments.view_medicalaidclaim",
    "payments.add_medicalaidclaim",
    "payments.change_medicalaidclaim",
    "payments.view_refund",
    "payments.change_refund",
]
ROLES = ["Reception", "Manager"]


def grant_permissions(apps, schema_editor):
    for role in ROLES:
        grant(apps, role, PERMISSIONS)


def revoke_permissions(apps, schema_editor):
    for role in ROLES:
        revoke(apps, role, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_claims_refunds_stripe_events"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
