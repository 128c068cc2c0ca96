"""Every night at 02:30 practice time django-q2 makes an encrypted backup and prunes old ones
(portal.core.tasks.nightly_backup). Change the time in the Django admin's Scheduled tasks."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

NAME = "core: nightly encrypted backup"


def next_half_past_two() -> dt.datetime:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(tz)
    run = now.replace(hour=2, minute=30, second=0, microsecond=0)
    return run if run > now else run + dt.timedelta(days=1)


def add_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        name=NAME,
        defaults={"func": "portal.core.tasks.nightly_backup", "schedule_type": "D", "repeats": -1,
                  "next_run": next_half_past_two()},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_heartbeat")]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
