"""Fill the daily summary tables from the existing appointments and payments; schedule the nightly heal."""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.db.models import Count, F, Sum
from django.utils import timezone

from analytics.sql import local_period

NAME = "analytics: heal the daily summary"
MONEY_IN = ("paid", "partially_refunded", "refunded")


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def fill(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    Payment = apps.get_model("payments", "Payment")
    DailyAppointmentSummary = apps.get_model("analytics", "DailyAppointmentSummary")
    DailyPaymentSummary = apps.get_model("analytics", "DailyPaymentSummary")
    DailyAppointmentSummary.objects.all().delete()
    DailyPaymentSummary.objects.all().delete()
    rows = (Appointment.objects.annotate(day=local_period("start", "day"))
            .values("day", "scan_type", "scan_type__modality", "status").annotate(n=Count("pk")).order_by())
    DailyAppointmentSummary.objects.bulk_create(
        [DailyAppointmentSummary(day=_date(r["day"]), scan_type_id=r["scan_type"], modality=r["scan_type__modality"],
                                 status=r["status"], appointments=r["n"]) for r in rows], batch_size=2000)
    rows = (Payment.objects.filter(status__in=MONEY_IN, paid_at__isnull=False)
            .annotate(day=local_period("paid_at", "day"))
            .values("day", "appointment__scan_type", "appointment__scan_type__modality", "method", "status")
            .annotate(n=Count("pk"), net=Sum(F("amount") - F("refunded_amount"))).order_by())
    DailyPaymentSummary.objects.bulk_create(
        [DailyPaymentSummary(day=_date(r["day"]), scan_type_id=r["appointment__scan_type"],
                             modality=r["appointment__scan_type__modality"], method=r["method"], status=r["status"],
                             payments=r["n"], net=Decimal(r["net"] or 0).quantize(Decimal("0.01")))
         for r in rows], batch_size=2000)


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    local = timezone.localtime()
    next_run = (local + dt.timedelta(days=1)).replace(hour=2, minute=30, second=0, microsecond=0)
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "analytics.tasks.heal_daily_summary", "schedule_type": "D", "repeats": -1,
                  "next_run": next_run},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_daily_summary"),
        ("booking", "0005_grant_scheduling"),
        ("payments", "0005_schedule_release_expired_holds"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
