"""Training and scoring the no-show model (database in, pure functions in risk.py)."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from analytics import risk
from analytics.models import NoShowModel
from portal.booking.models import Appointment
from portal.core.clock import practice_tz

log = logging.getLogger(__name__)
S = Appointment.Status
SCHEDULE_NAME = "analytics: retrain the no-show risk model"
SCHEDULE_FUNC = "analytics.tasks.retrain_noshow_model"

_FIELDS = ["id", "patient_id", "start", "requested_at", "confirmed_at", "status", "scan_type__modality",
           "patient__date_of_birth", "plan_id"]


def _inputs(df: pd.DataFrame, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Raw rows (_FIELDS plus history counts) to the model's INPUT_COLUMNS."""
    zone = practice_tz()
    start = pd.to_datetime(df["start"], utc=True)
    local = start.dt.tz_convert(zone)
    requested = pd.to_datetime(df["requested_at"], utc=True)
    confirmed_at = pd.to_datetime(df["confirmed_at"], utc=True)
    dob = pd.to_datetime(df["patient__date_of_birth"])
    out = pd.DataFrame(index=df.index)
    out["lead_days"] = (start - requested).dt.total_seconds() / 86400.0
    for column in ("past_no_shows", "past_cancellations", "past_visits"):
        out[column] = df[column].astype(int)
    out["weekday"] = local.dt.day_of_week
    out["hour"] = local.dt.hour
    out["modality"] = df["scan_type__modality"].astype(str)
    out["age"] = (local.dt.tz_localize(None).dt.normalize() - dob).dt.days / 365.25
    out["self_pay"] = df["plan_id"].isna()
    cutoff = start if now is None else pd.Timestamp(now)
    out["confirmed"] = confirmed_at.notna() & (confirmed_at <= cutoff)
    out["start"] = start
    return out


def training_frame(*, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every past appointment whose outcome is known, with the features known before it."""
    now = now or timezone.now()
    rows = Appointment.objects.filter(start__lt=now).values_list(*_FIELDS)
    df = pd.DataFrame(list(rows.iterator(chunk_size=20_000)), columns=_FIELDS)
    if df.empty:
        return df
    df["start"] = pd.to_datetime(df["start"], utc=True)
    df = risk.history_features(df)
    df = df[df["status"].isin([S.COMPLETED, S.CHECKED_IN, S.NO_SHOW])]
    inputs = _inputs(df)
    inputs["no_show"] = (df["status"] == S.NO_SHOW).astype(int)
    return inputs.reset_index(drop=True)


@transaction.atomic
def noshow_model_train(*, now: dt.datetime | None = None, l2: float = 10.0) -> NoShowModel:
    """Fit the model on the history, evaluate it on a time-based hold-out and store it."""
    now = now or timezone.now()
    df = training_frame(now=now)
    if df.empty:
        raise ValueError("There is no appointment history to learn from.")
    model, metrics = risk.train_and_evaluate(df, l2=l2)
    stored = NoShowModel(trained_at=now, parameters=model.to_dict(), metrics=metrics, n_appointments=len(df))
    stored.full_clean()
    stored.save()
    # Keep the last few models only.
    old = NoShowModel.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True)[5:]
    NoShowModel.objects.filter(pk__in=list(old)).delete()
    log.info("no-show model trained on %d appointments, hold-out AUC %.3f", len(df), metrics["auc"])
    return stored


def noshow_schedule_ensure() -> None:
    """Create (or update) the django-q2 schedule that retrains the model. Safe to run again."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": Schedule.MINUTES,
                  "minutes": max(1, settings.ANALYTICS_NOSHOW_RETRAIN_HOURS) * 60, "repeats": -1},
    )


def _past_counts(patient_ids: list[int], now: dt.datetime) -> pd.DataFrame:
    """Per patient: earlier no-shows, cancellations and completed visits (one GROUP BY query)."""
    rows = (
        Appointment.objects.filter(patient_id__in=patient_ids, start__lt=now,
                                   status__in=[S.NO_SHOW, S.CANCELLED, S.COMPLETED])
        .values("patient_id", "status").annotate(n=Count("id")).values_list("patient_id", "status", "n")
    )
    counts = pd.DataFrame(list(rows), columns=["patient_id", "status", "n"])
    table = counts.pivot_table(index="patient_id", columns="status", values="n", fill_value=0, aggfunc="sum")
    table = table.reindex(columns=[S.NO_SHOW, S.CANCELLED, S.COMPLETED], fill_value=0)
    table.columns = ["past_no_shows", "past_cancellations", "past_visits"]
    return table


def upcoming_queryset(*, now: dt.datetime, days: int, modality: str = ""):
    qs = Appointment.objects.upcoming(now=now).filter(start__lt=now + dt.timedelta(days=days))
    if modality:
        qs = qs.filter(scan_type__modality=modality)
    return qs


def upcoming_risks(model: NoShowModel, *, days: int = 7, modality: str = "",
                   now: dt.datetime | None = None) -> pd.DataFrame:
    """Upcoming appointments ranked by predicted no-show risk, with the top reasons of each."""
    now = now or timezone.now()
    fields = [*_FIELDS, "scan_type__name", "patient__first_name", "patient__last_name", "patient__phone"]
    rows = upcoming_queryset(now=now, days=days, modality=modality).values_list(*fields)
    df = pd.DataFrame(list(rows), columns=fields)
    columns = ["appointment", "patient", "phone", "start", "scan_type", "risk", "reasons", "confirmed", "past_no_shows"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    history = _past_counts(sorted(set(df["patient_id"])), now)
    df = df.join(history, on="patient_id")
    df[history.columns] = df[history.columns].fillna(0).astype(int)
    inputs = _inputs(df, now=now)
    fitted = risk.LogisticModel.from_dict(model.parameters)
    features = risk.design_matrix(inputs)
    out = pd.DataFrame({
        "appointment": df["id"],
        # who to call about it (shown to the manager; left out of the CSV)
        "patient": (df["patient__first_name"].fillna("") + " " + df["patient__last_name"].fillna("")).str.strip(),
        "phone": df["patient__phone"].fillna("").astype(str),
        "start": inputs["start"].dt.tz_convert(practice_tz()),
        "scan_type": df["scan_type__name"],
        "risk": np.round(fitted.predict(features), 4),
        "reasons": ["; ".join(r) for r in fitted.reasons(features)],
        "confirmed": inputs["confirmed"],
        "past_no_shows": df["past_no_shows"],
    })
    return out.sort_values(["risk", "start"], ascending=[False, True]).reset_index(drop=True)


def upcoming_appointment_get(*, pk: int) -> Appointment:
    """An appointment that is still to come (the only kind a reminder makes sense for)."""
    appointment = Appointment.objects.upcoming().filter(pk=pk).first()
    if appointment is None:
        raise Http404("No such upcoming appointment.")
    return appointment
