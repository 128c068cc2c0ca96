"""Paynow: two online methods, the poll URL of a payment, and the every-two-minutes poll of payments
whose callback has not come (portal.payments.tasks.poll_paynow_payments)."""

from django.db import migrations, models

NAME = "payments: poll pending Paynow payments"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=NAME,
        defaults={"func": "portal.payments.tasks.poll_paynow_payments", "schedule_type": "I", "minutes": 2,
                  "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_schedule_release_expired_holds"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="provider_poll_url",
            field=models.URLField(blank=True, help_text="Paynow's status URL for this payment (from its initiation).",
                                  max_length=2048),
        ),
        migrations.AlterField(
            model_name="payment",
            name="method",
            field=models.CharField(
                choices=[("medical_aid_claim", "Medical-aid claim"), ("card_online", "Card (online)"),
                         ("card_at_practice", "Card at the practice"), ("cash", "Cash"),
                         ("eft", "EFT / bank transfer"), ("paynow", "Paynow (online)"),
                         ("mobile_money", "Mobile money (EcoCash / OneMoney)")],
                db_index=True, max_length=20),
        ),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
