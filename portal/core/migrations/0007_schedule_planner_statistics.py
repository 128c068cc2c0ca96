"""Every night at 03:15 practice time django-q2 refreshes the query planner's statistics (ANALYZE;
portal.core.tasks.refresh_planner_statistics). Change the time in the Django admin's Scheduled tasks."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

NAME = "core: refresh the query planner's statistics"


def next_quarter_past_three() -> dt.datetime:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(tz)
    run = now.replace(hour=3, minute=15, second=0, microsecond=0)
    return run if run > now else run + dt.timedelta(days=1)


def add_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        name=NAME,
        defaults={"func": "portal.core.tasks.refresh_planner_statistics", "schedule_type": "D", "repeats": -1,
                  "next_run": next_quarter_past_three()},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0006_remove_practicesettings_currency_symbol"), ("django_q", "0001_initial")]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
