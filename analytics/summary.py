"""The daily summary tables the dashboards read instead of counting a million appointments.

How they stay right:
  - every save or delete of an appointment or payment recounts the local day(s) it was and is on,
    inside the same transaction (receivers below, connected in AnalyticsConfig.ready): whatever
    service changed the row, the summary commits or rolls back with it; a day's recount is one
    indexed GROUP BY over that day's rows, a delete and a bulk insert;
  - a scan type's new modality is copied onto its summary rows;
  - bulk loads and raw SQL bypass model signals: `daily_summary_heal` recounts every day, replaces
    the days that differ and says how many; the nightly q2 schedule runs it (analytics.tasks), and
    analytics.demo.seed_history calls it after its bulk insert.

Receivers write here, against the house rule for signals, because this is derived data that must
commit with the row it is derived from (queued on commit, a crash between the two would leave it
wrong until the night).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from analytics.models import DailyAppointmentSummary, DailyPaymentSummary
from analytics.sql import local_period
from portal.booking.models import Appointment
from portal.core.clock import practice_tz
from portal.payments.models import Payment

log = logging.getLogger(__name__)

# Payments that brought money in (their refunds are subtracted): as analytics.queries counts revenue.
MONEY_IN_STATUSES = (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = practice_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


# --- Fresh counts ---------------------------------------------------------------------------------


def _modalities() -> dict[int, str]:
    from portal.catalogue.models import ScanType

    return dict(ScanType.objects.values_list("pk", "modality"))


def _appointment_rows(qs, day: dt.date | None = None) -> list[DailyAppointmentSummary]:
    """Grouped by (day, status, scan type) without a join: on SQLite that reads the local-day index
    (analytics.sql.ensure_day_index); the modality comes from the few scan types."""
    if day is None:
        qs = qs.annotate(day=local_period("start", "day"))
    rows = (qs.values(*(["day"] if day is None else []), "status", "scan_type").annotate(n=Count("pk")).order_by())
    modality = _modalities()
    return [DailyAppointmentSummary(day=day or _as_date(r["day"]), scan_type_id=r["scan_type"],
                                    modality=modality[r["scan_type"]], status=r["status"], appointments=r["n"])
            for r in rows]


def _payment_rows(qs, day: dt.date | None = None) -> list[DailyPaymentSummary]:
    qs = qs.filter(status__in=MONEY_IN_STATUSES, paid_at__isnull=False)
    if day is None:
        qs = qs.annotate(day=local_period("paid_at", "day"))
    rows = (qs.values(*(["day"] if day is None else []), "appointment__scan_type",
                      "appointment__scan_type__modality", "method", "status")
            .annotate(n=Count("pk"), net=Sum(F("amount") - F("refunded_amount"))).order_by())
    return [DailyPaymentSummary(day=day or _as_date(r["day"]), scan_type_id=r["appointment__scan_type"],
                                modality=r["appointment__scan_type__modality"], method=r["method"],
                                status=r["status"], payments=r["n"],
                                net=Decimal(r["net"] or 0).quantize(Decimal("0.01")))
            for r in rows]


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _key(row) -> tuple:
    if isinstance(row, DailyAppointmentSummary):
        return (row.day, row.scan_type_id, row.modality, row.status, row.appointments)
    return (row.day, row.scan_type_id, row.modality, row.method, row.status, row.payments,
            Decimal(row.net).quantize(Decimal("0.01")))


# --- Services -------------------------------------------------------------------------------------


@transaction.atomic
def daily_summary_refresh(*, appointment_days: Iterable[dt.date] = (), payment_days: Iterable[dt.date] = ()) -> None:
    """Recount the given local days of both tables from the appointments and payments themselves."""
    for day in sorted(set(appointment_days) - {None}):
        start, end = _bounds(day)
        DailyAppointmentSummary.objects.filter(day=day).delete()
        DailyAppointmentSummary.objects.bulk_create(
            _appointment_rows(Appointment.objects.filter(start__gte=start, start__lt=end), day))
    for day in sorted(set(payment_days) - {None}):
        start, end = _bounds(day)
        DailyPaymentSummary.objects.filter(day=day).delete()
        DailyPaymentSummary.objects.bulk_create(
            _payment_rows(Payment.objects.filter(paid_at__gte=start, paid_at__lt=end), day))


@transaction.atomic
def daily_summary_heal(*, after_bulk_load: bool = False) -> int:
    """Recount every day; replace the days whose summary differs. Returns how many days were wrong.

    A wrong day is logged as a warning (drift the services missed), or only as information when the
    caller has just bulk-loaded rows past the receivers (`after_bulk_load`: the demo's history)."""
    healed = 0
    for model, fresh_rows in ((DailyAppointmentSummary, _appointment_rows(Appointment.objects.all())),
                              (DailyPaymentSummary, _payment_rows(Payment.objects.all()))):
        fresh: dict[dt.date, set] = {}
        for row in fresh_rows:
            fresh.setdefault(row.day, set()).add(_key(row))
        stored: dict[dt.date, set] = {}
        for row in model.objects.all().iterator(chunk_size=5000):
            stored.setdefault(row.day, set()).add(_key(row))
        wrong = {day for day in fresh.keys() | stored.keys() if fresh.get(day) != stored.get(day)}
        if wrong:
            model.objects.filter(day__in=wrong).delete()
            model.objects.bulk_create([row for row in fresh_rows if row.day in wrong], batch_size=2000)
        if wrong:
            log.log(logging.INFO if after_bulk_load else logging.WARNING,
                    "analytics: the daily summary %s was wrong on %d days; recounted",
                    model._meta.model_name, len(wrong))
        healed += len(wrong)
    return healed


# --- Receivers (connected in AnalyticsConfig.ready) -----------------------------------------------

_BEFORE = "_analytics_summary_before"


def appointment_pre_save(sender, instance: Appointment, raw=False, **kwargs) -> None:
    before = None
    if instance.pk is not None and not raw:
        before = Appointment.objects.filter(pk=instance.pk).values_list("start", "scan_type_id").first()
    setattr(instance, _BEFORE, before)


def appointment_post_save(sender, instance: Appointment, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, _BEFORE, None)
    days = {local_date(instance.start)}
    payment_days: set = set()
    if before is not None:
        days.add(local_date(before[0]))
        if before[1] != instance.scan_type_id:  # its payments move to the new scan type
            payment_days = {local_date(at) for at in instance.payments.values_list("paid_at", flat=True)}
    daily_summary_refresh(appointment_days=days, payment_days=payment_days)


def appointment_post_delete(sender, instance: Appointment, **kwargs) -> None:
    daily_summary_refresh(appointment_days={local_date(instance.start)})


def payment_pre_save(sender, instance: Payment, raw=False, **kwargs) -> None:
    before = None
    if instance.pk is not None and not raw:
        before = Payment.objects.filter(pk=instance.pk).values_list("paid_at", flat=True).first()
    setattr(instance, _BEFORE, before)


def payment_post_save(sender, instance: Payment, raw=False, **kwargs) -> None:
    if raw:
        return
    daily_summary_refresh(payment_days={local_date(instance.paid_at), local_date(getattr(instance, _BEFORE, None))})


def payment_post_delete(sender, instance: Payment, **kwargs) -> None:
    daily_summary_refresh(payment_days={local_date(instance.paid_at)})


def scan_type_post_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    for model in (DailyAppointmentSummary, DailyPaymentSummary):
        model.objects.filter(scan_type=instance).exclude(modality=instance.modality).update(modality=instance.modality)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from portal.catalogue.models import ScanType

    for signal, receiver, model in (
        (pre_save, appointment_pre_save, Appointment), (post_save, appointment_post_save, Appointment),
        (post_delete, appointment_post_delete, Appointment), (pre_save, payment_pre_save, Payment),
        (post_save, payment_post_save, Payment), (post_delete, payment_post_delete, Payment),
        (post_save, scan_type_post_save, ScanType),
    ):
        signal.connect(receiver, sender=model, dispatch_uid=f"analytics_summary_{receiver.__name__}")
