"""The Modality Worklist: a C-FIND query (a pydicom Dataset) in, the matching scheduled procedure
steps out. Parsing and matching are pure functions; `find` reads the day's appointments."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydicom import config
from pydicom.datadict import keyword_dict as keyword_to_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import UID
from pydicom.valuerep import PersonName

from portal.booking.models import Appointment
from portal.core.clock import practice_tz
from portal.imaging.identifiers import DICOM_MODALITY, PORTAL_MODALITY, dicom_person_name, patient_dicom_id


class MalformedQuery(ValueError):
    """The query cannot be understood; `status` is the C-FIND failure status to answer with."""

    def __init__(self, message: str, status: int = 0xC000):
        super().__init__(message)
        self.status = status


IDENTIFIER_MISMATCH = 0xA900  # Identifier does not match SOP Class
UNABLE_TO_PROCESS = 0xC000


@dataclass(frozen=True)
class Query:
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    modality: str = ""  # the portal's modality code
    station_ae_title: str = ""
    patient_name: re.Pattern | None = None
    patient_id: re.Pattern | None = None
    accession_number: re.Pattern | None = None
    unknown_modality: bool = False


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or value.__class__.__name__ == "MultiValue":
        raise MalformedQuery(f"{keyword} must have one value")
    return str(value).strip()


def wildcard(pattern: str) -> re.Pattern | None:
    """DICOM wildcard matching (PS3.4 C.2.2.2.4): * any run, ? one character; case-insensitive here,
    as scanners type names in any case. Empty or "*" matches everything (None)."""
    if not pattern or pattern.strip("*") == "":
        return None
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)


def _date(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value.strip(), "%Y%m%d").date()
    except ValueError:
        raise MalformedQuery(f"not a DICOM date: {value!r}") from None


def date_range(value: str) -> tuple[dt.date | None, dt.date | None]:
    """"YYYYMMDD", "YYYYMMDD-YYYYMMDD", "-YYYYMMDD" or "YYYYMMDD-" (PS3.4 C.2.2.2.5)."""
    value = (value or "").strip()
    if not value:
        return None, None
    if "-" not in value:
        day = _date(value)
        return day, day
    start, _, end = value.partition("-")
    first = _date(start) if start else None
    last = _date(end) if end else None
    if first and last and last < first:
        raise MalformedQuery("the date range ends before it starts")
    return first, last


def parse(ds: Dataset) -> Query:
    """The parts of a worklist query the portal filters on. MalformedQuery for what makes no sense."""
    try:
        sps_seq = ds.get("ScheduledProcedureStepSequence")
    except Exception as exc:  # noqa: BLE001 - a value pydicom cannot decode is a malformed query
        raise MalformedQuery(f"unreadable query: {exc.__class__.__name__}") from None
    item = Dataset()
    if sps_seq is not None:
        if not isinstance(sps_seq, Sequence):
            raise MalformedQuery("ScheduledProcedureStepSequence must be a sequence", IDENTIFIER_MISMATCH)
        if len(sps_seq) > 1:
            raise MalformedQuery("ScheduledProcedureStepSequence must have at most one item", IDENTIFIER_MISMATCH)
        if len(sps_seq) == 1:
            item = sps_seq[0]
    try:
        first, last = date_range(_text(item, "ScheduledProcedureStepStartDate"))
        dicom_modality = _text(item, "Modality").upper()
        station = _text(item, "ScheduledStationAETitle")
        name = _text(ds, "PatientName")
        pid = _text(ds, "PatientID")
        accession = _text(ds, "AccessionNumber")
    except MalformedQuery:
        raise
    except Exception as exc:  # noqa: BLE001 - as above
        raise MalformedQuery(f"unreadable query: {exc.__class__.__name__}") from None
    modality = PORTAL_MODALITY.get(dicom_modality, "") if dicom_modality else ""
    return Query(first_day=first, last_day=last, modality=modality, station_ae_title=station,
                 patient_name=wildcard(name), patient_id=wildcard(pid), accession_number=wildcard(accession),
                 unknown_modality=bool(dicom_modality and not modality))


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(practice_tz())


def _element(keyword: str, vr: str, value: Any) -> DataElement:
    """An element built from the portal's own, already bounded values: pydicom's per-value
    validation (most of the cost of a 500-item answer) is skipped; lengths are bounded here."""
    if vr == "PN":
        value = PersonName(value)
    elif vr == "UI":
        value = UID(value)
    return DataElement(keyword_to_tag[keyword], vr, value, already_converted=True, validation_mode=config.IGNORE)


def _dataset(elements: Iterable[tuple[str, str, Any]]) -> Dataset:
    ds = Dataset()
    for keyword, vr, value in elements:
        element = _element(keyword, vr, value)
        ds[element.tag] = element
    return ds


def referring_physician(appointment: Appointment) -> str:
    """ReferringPhysicianName: the registered doctor of the appointment's first referral (FAMILY^GIVEN),
    else the name on the letter as typed (all in the family component); empty for a self-referral."""
    referrals = sorted(appointment.referrals.all(), key=lambda r: r.pk)  # prefetched by the worklist query
    if not referrals:
        return ""
    referral = referrals[0]
    doctor = referral.referring_doctor.user if referral.referring_doctor_id else None
    if doctor is not None and (doctor.last_name or doctor.first_name):
        return dicom_person_name(doctor.last_name, doctor.first_name)[:64]
    name = referral.doctor_name.removeprefix("Dr ").strip()
    return dicom_person_name(name, "")[:64]


def item_for(appointment: Appointment) -> Dataset:
    """The full worklist item of one appointment (values cut to their VR's maximum length)."""
    patient = appointment.patient
    start = _local(appointment.start)
    accession = appointment.accession_number[:16]
    description = appointment.scan_type.name[:64]
    name = dicom_person_name(patient.last_name, patient.first_name, patient.email.split("@")[0])[:64]
    step = _dataset([
        ("Modality", "CS", DICOM_MODALITY.get(appointment.room.modality, "OT")),
        ("ScheduledStationAETitle", "AE", appointment.room.ae_title[:16]),
        ("ScheduledProcedureStepStartDate", "DA", start.strftime("%Y%m%d")),
        ("ScheduledProcedureStepStartTime", "TM", start.strftime("%H%M%S")),
        ("ScheduledPerformingPhysicianName", "PN", ""),
        ("ScheduledProcedureStepDescription", "LO", description),
        ("ScheduledStationName", "SH", appointment.room.station_name[:16]),
        ("ScheduledProcedureStepID", "SH", accession),
        ("ScheduledProcedureStepStatus", "CS",
         "SCHEDULED" if appointment.status == Appointment.Status.CONFIRMED else "ARRIVED"),
    ])
    ds = _dataset([
        ("SpecificCharacterSet", "CS", "ISO_IR 192"),
        ("AccessionNumber", "SH", accession),
        ("ReferringPhysicianName", "PN", referring_physician(appointment)),
        ("PatientName", "PN", name),
        ("PatientID", "LO", patient_dicom_id(patient.pk)[:64]),
        ("PatientBirthDate", "DA", patient.date_of_birth.strftime("%Y%m%d") if patient.date_of_birth else ""),
        ("PatientSex", "CS", patient.sex),  # F, M, O; empty when the patient has not said
        ("StudyInstanceUID", "UI", appointment.study_instance_uid[:64]),
        ("RequestedProcedureDescription", "LO", description),
        ("RequestedProcedureID", "SH", accession),
    ])
    ds[keyword_to_tag["ScheduledProcedureStepSequence"]] = DataElement(
        keyword_to_tag["ScheduledProcedureStepSequence"], "SQ", Sequence([step]))
    return ds


def _empty(element: DataElement) -> DataElement:
    return DataElement(element.tag, element.VR, None, validation_mode=config.IGNORE)


def only_requested(full: Dataset, query: Dataset) -> Dataset:
    """The response carries the keys the query asked for (its return keys), with our values."""
    out = Dataset()
    charset = full[keyword_to_tag["SpecificCharacterSet"]]
    out[charset.tag] = charset
    sps_tag = keyword_to_tag["ScheduledProcedureStepSequence"]
    for element in query:
        tag = element.tag
        if tag == charset.tag:
            continue
        if tag == sps_tag:
            asked = element.value[0] if element.value else None
            step = full[sps_tag].value[0]
            if asked is None or len(asked) == 0:
                out[sps_tag] = full[sps_tag]
            else:
                item = Dataset()
                for sub in asked:
                    item[sub.tag] = step[sub.tag] if sub.tag in step else _empty(sub)
                out[sps_tag] = DataElement(sps_tag, "SQ", Sequence([item]))
        elif tag in full:
            out[tag] = full[tag]
        elif element.keyword:
            out[tag] = _empty(element)  # asked for something we do not keep: returned empty
    return out


def matches(query: Query, item: Dataset) -> bool:
    if query.patient_name and not query.patient_name.match(str(item.PatientName)):
        return False
    if query.patient_id and not query.patient_id.match(item.PatientID):
        return False
    return not (query.accession_number and not query.accession_number.match(item.AccessionNumber))


def find(ds: Dataset, appointments: Iterable[Appointment] | None = None) -> Iterator[Dataset]:
    """The worklist items answering `ds`. Raises MalformedQuery before yielding anything."""
    from portal.imaging.selectors import worklist_appointments

    query = parse(ds)
    if query.unknown_modality:
        return iter(())
    if appointments is None:
        appointments = worklist_appointments(first_day=query.first_day, last_day=query.last_day,
                                             modality=query.modality, station_ae_title=query.station_ae_title)

    def generate() -> Iterator[Dataset]:
        for appointment in appointments:
            full = item_for(appointment)
            if matches(query, full):
                yield only_requested(full, ds)

    return generate()
