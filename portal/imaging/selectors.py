"""Reads of the imaging app, always scoped to the user asking (Http404 for what they may not see)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.accounts.permissions import can
from portal.booking.models import Appointment, Room
from portal.core.querysets import newest
from portal.imaging.models import ImageAccess, Study


class StudyRefused(Http404):
    """The study exists but the user may not see it (a 404 that carries it, so the attempt is logged)."""

    def __init__(self, study: Study):
        super().__init__("No study found.")
        self.study = study


def _studies() -> QuerySet[Study]:
    return Study.objects.select_related("appointment__patient", "appointment__scan_type")


def study_get_for(*, user: User, pk: int) -> Study:
    """A study the user may see; StudyRefused (a 404) if they may not, Http404 if there is none."""
    study = _studies().filter(pk=pk).first()
    if study is None:
        raise Http404("No study found.")
    if not can(user, "imaging.view_study", study):
        raise StudyRefused(study)
    return study


def study_list_for(*, user: User, appointment: Appointment | None = None, patient: User | None = None,
                   ) -> list[Study]:
    """The linked studies the user may see, newest first: of one appointment, of one patient, or all
    of them (staff only see "all"; a patient without filters gets their own)."""
    if appointment is not None:
        return visible_studies(user, appointment_studies(appointment))
    qs = _studies().filter(status=Study.Status.LINKED)
    if patient is not None:
        qs = qs.filter(appointment__patient=patient)
    elif not user.has_perm("imaging.view_study"):
        qs = qs.filter(appointment__patient=user)
    return [s for s in qs.order_by("-study_date", "-pk") if can(user, "imaging.view_study", s)]


def appointment_studies(appointment: Appointment) -> list[Study]:
    """Every study filed under this appointment, whatever its status, newest first, with the
    appointment the caller has attached (no join for it, issue 22). `visible_studies` picks what a
    user may see; the ids say whose openings the images' access log holds."""
    studies = list(Study.objects.filter(appointment=appointment).order_by("-study_date", "-pk"))
    for study in studies:
        study.appointment = appointment
    return studies


def visible_studies(user: User, studies: list[Study]) -> list[Study]:
    """Of `appointment_studies`, the linked ones the user may see."""
    return [s for s in studies if s.status == Study.Status.LINKED and can(user, "imaging.view_study", s)]


def study_list_visible_to(*, user: User, appointments: QuerySet[Appointment], everything: bool = False,
                          ) -> QuerySet[Study]:
    """Linked studies, as a queryset (for paging): all of them for clinical staff or ``everything``,
    else those of ``appointments`` (the caller's scope: the patient's own, a doctor's referred) that
    the image grants let the user see (a patient's from the report's release, for instance)."""
    qs = _studies().filter(status=Study.Status.LINKED).order_by("pk")
    if everything or user.has_perm("imaging.view_study"):
        return qs
    visible = [s.pk for s in qs.filter(appointment__in=appointments) if can(user, "imaging.view_study", s)]
    return qs.filter(pk__in=visible)


def studies_for_share(*, appointment_id: int) -> list[Study]:
    """The linked studies of a shared report's appointment, newest first: a share link carries the
    report's images. The link's own checks (state, access code) are the caller's (reports.sharing)."""
    return list(_studies().filter(status=Study.Status.LINKED, appointment_id=appointment_id)
                .order_by("-study_date", "-pk"))


def prior_studies(*, user: User, appointment: Appointment, limit: int = 10) -> list[Study]:
    """The patient's earlier linked studies of the same body part, newest first (for the radiologist)."""
    if not user.has_perm("imaging.view_study"):
        raise PermissionDenied
    return list(
        _studies().filter(status=Study.Status.LINKED, appointment__patient_id=appointment.patient_id,
                          appointment__scan_type__body_part=appointment.scan_type.body_part,
                          appointment__start__lt=appointment.start)
        .exclude(appointment=appointment).order_by("-appointment__start")[:limit]
    )


def reconciliation_list(*, user: User) -> QuerySet[Study]:
    if not can(user, "imaging.reconcile"):
        raise PermissionDenied
    return Study.objects.filter(status=Study.Status.RECONCILE).order_by("created_at")


def candidate_appointments(*, user: User, study: Study, limit: int = 20) -> list[Appointment]:
    """Appointments staff may attach an unmatched study to: the same day (or recent), checked in or done."""
    if not can(user, "imaging.reconcile"):
        raise PermissionDenied
    qs = Appointment.objects.filter(status__in=[Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED])
    if study.study_date:
        qs = qs.filter(start__date__gte=study.study_date - dt.timedelta(days=1),
                       start__date__lte=study.study_date + dt.timedelta(days=1))
    return list(qs.select_related("patient", "scan_type").order_by("-start")[:limit])


def may_see_access_log(user: User, appointment: Appointment) -> bool:
    return user.has_perm("imaging.view_imageaccess") or appointment.patient_id == user.pk


def image_access_log(*, user: User, appointment: Appointment, limit: int | None = None,
                     study_ids: list[int] | None = None) -> QuerySet:
    """Who opened this appointment's images, newest first, as rows of values: for the patient and for
    managers; the newest `limit` only when given (as the report's log; `reports.openings` words them).
    `study_ids`: the ids of every study of the appointment (`appointment_studies`), when the caller
    has them: no join, and no query at all for an appointment without images."""
    if not may_see_access_log(user, appointment):
        raise PermissionDenied
    if study_ids is None:
        openings = ImageAccess.objects.filter(study__appointment=appointment)
    else:
        openings = ImageAccess.objects.filter(study_id__in=study_ids) if study_ids else ImageAccess.objects.none()
    return (newest(openings, limit)
            .values("at", "action", "ip_address", "user_id", "user__first_name", "user__last_name",
                    "user__doctor_profile__id"))


def store_ae_titles() -> list[str]:
    """AE titles Orthanc accepts C-STORE from: the rooms' scanners, the listed extra ones, and ours."""
    titles = set(Room.objects.exclude(ae_title="").values_list("ae_title", flat=True))
    titles.update(settings.DICOM_ALLOWED_AE_TITLES)
    titles.add(settings.DICOM_AE_TITLE)
    return sorted(titles)


def allowed_calling_ae_titles() -> set[str]:
    """AE titles that may query the worklist and send MPPS: the rooms' and the listed extra ones."""
    titles = set(Room.objects.filter(active=True).exclude(ae_title="").values_list("ae_title", flat=True))
    titles.update(settings.DICOM_ALLOWED_AE_TITLES)
    return titles


def worklist_appointments(*, first_day: dt.date | None, last_day: dt.date | None, modality: str = "",
                          station_ae_title: str = "") -> QuerySet[Appointment]:
    """The scheduled (confirmed or checked-in) appointments a worklist query asks for; the caller
    filters by name. Only rooms with an AE title have a worklist. Called by the DICOM server,
    which has refused unknown callers already."""
    from portal.core.clock import practice_tz

    tz = practice_tz()
    qs = Appointment.objects.filter(
        status__in=[Appointment.Status.CONFIRMED, Appointment.Status.CHECKED_IN],
    ).exclude(room__ae_title="")
    if first_day is not None:
        qs = qs.filter(start__gte=dt.datetime.combine(first_day, dt.time.min, tzinfo=tz))
    if last_day is not None:
        qs = qs.filter(start__lt=dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if modality:
        qs = qs.filter(room__modality=modality)
    if station_ae_title:
        qs = qs.filter(room__ae_title=station_ae_title)
    return (qs.select_related("patient", "scan_type", "room")
            .prefetch_related("referrals__referring_doctor__user").order_by("start", "pk"))

