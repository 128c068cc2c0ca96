"""Create the django-q2 schedule that retrains the no-show model (idempotent)."""

from django.conf import settings
from django.db import migrations

NAME = "analytics: retrain the no-show risk model"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "analytics.tasks.retrain_noshow_model", "schedule_type": "I",
                  "minutes": max(1, settings.ANALYTICS_NOSHOW_RETRAIN_HOURS) * 60, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
