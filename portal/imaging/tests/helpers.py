"""Helpers for the imaging tests: appointments with rooms that have AE titles, and a DICOM server
on a free port in this process (transactional tests, so its threads see the rows)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.utils import timezone

from portal.booking.models import Appointment, Room
from portal.booking.tests.factories import AppointmentFactory
from portal.catalogue.tests.factories import ScanTypeFactory
from portal.imaging import dicom_server
from portal.imaging.orthanc_local import free_port


def room(name: str, modality: str, ae_title: str) -> Room:
    return Room.objects.update_or_create(name=name, defaults={"modality": modality, "ae_title": ae_title,
                                                              "station_name": ae_title})[0]


def appointment_at(*, start: dt.datetime, room: Room, status: str = Appointment.Status.CONFIRMED,
                   **kwargs) -> Appointment:
    scan_type = kwargs.pop("scan_type", None) or ScanTypeFactory(modality=room.modality)
    return AppointmentFactory(start=start, room=room, scan_type=scan_type, status=status, **kwargs)


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


@contextlib.contextmanager
def running_dicom_server():
    port = free_port()
    server = dicom_server.start(host="127.0.0.1", port=port)
    try:
        yield port
    finally:
        server.shutdown()
