"""Our DICOM server (pynetdicom): the Modality Worklist SCP (C-FIND) and the MPPS SCP
(N-CREATE / N-SET), plus C-ECHO. Associations from calling AE titles that are neither a room's nor
listed in DICOM_ALLOWED_AE_TITLES are rejected. Logs carry AE titles and UIDs, never patient data."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import close_old_connections
from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import ModalityPerformedProcedureStep, ModalityWorklistInformationFind, Verification

from portal.core.clock import practice_tz
from portal.imaging import services, worklist
from portal.imaging.selectors import allowed_calling_ae_titles

logger = logging.getLogger("portal.imaging.dicom")

CANCEL = 0xFE00
PENDING = 0xFF00
SUCCESS = 0x0000
NOBODY = "NO-SCANNER-YET"  # an empty allow-list would let everyone in: this title lets no one


def _calling(event) -> str:
    return (event.assoc.requestor.ae_title or "").strip()


def handle_requested(event) -> None:
    """Before negotiation: refresh the allowed calling AE titles (rooms are edited in the admin), so
    pynetdicom rejects an unknown one (A-ASSOCIATE-RJ, reason 3: calling AE title not recognised)."""
    close_old_connections()
    try:
        allowed = sorted(allowed_calling_ae_titles()) or [NOBODY]
        event.assoc.ae.require_calling_aet = allowed
        title = (event.assoc.requestor.primitive.calling_ae_title or "").strip()
        if title not in allowed:
            logger.warning("dicom: association refused for calling AE title %r", title)
    finally:
        close_old_connections()


def handle_find(event):
    close_old_connections()
    try:
        try:
            items = list(worklist.find(event.identifier))
        except worklist.MalformedQuery as exc:
            logger.warning("dicom: malformed worklist query from %s: %s", _calling(event), exc)
            yield exc.status, None
            return
        except Exception:
            logger.exception("dicom: worklist query from %s failed", _calling(event))
            yield worklist.UNABLE_TO_PROCESS, None
            return
        logger.info("dicom: worklist query from %s: %d items", _calling(event), len(items))
        for item in items:
            if event.is_cancelled:
                yield CANCEL, None
                return
            yield PENDING, item
    finally:
        close_old_connections()


def _moment(date: str, time: str) -> dt.datetime | None:
    try:
        day = dt.datetime.strptime((date or "").strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None
    digits = "".join(ch for ch in (time or "").split(".")[0] if ch.isdigit()).ljust(6, "0")[:6]
    try:
        clock = dt.time(int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        clock = dt.time(0, 0)
    return dt.datetime.combine(day, clock, tzinfo=practice_tz())


def handle_n_create(event):
    close_old_connections()
    try:
        request = event.request
        uid = str(request.AffectedSOPInstanceUID or "")
        attrs = event.attribute_list
        if not uid:
            return services.INVALID_ATTRIBUTE_VALUE, None
        status = str(attrs.get("PerformedProcedureStepStatus", "")).strip()
        if status != "IN PROGRESS":
            logger.warning("dicom: MPPS N-CREATE %s from %s not IN PROGRESS", uid, _calling(event))
            return services.INVALID_ATTRIBUTE_VALUE, None
        accession = ""
        for item in attrs.get("ScheduledStepAttributesSequence", []) or []:
            accession = str(item.get("AccessionNumber", "") or "").strip()
            if accession:
                break
        try:
            services.procedure_step_start(
                sop_instance_uid=uid, accession_number=accession, calling_ae_title=_calling(event),
                started_at=_moment(attrs.get("PerformedProcedureStepStartDate", ""),
                                   attrs.get("PerformedProcedureStepStartTime", "")))
        except services.MppsRefused as refused:
            logger.warning("dicom: MPPS N-CREATE %s from %s refused: %s", uid, _calling(event), refused.reason)
            return refused.status, None
        except Exception:
            logger.exception("dicom: MPPS N-CREATE %s failed", uid)
            return services.PROCESSING_FAILURE, None
        logger.info("dicom: MPPS %s IN PROGRESS from %s", uid, _calling(event))
        return SUCCESS, attrs
    finally:
        close_old_connections()


def _reason(mods: Dataset) -> str:
    for item in mods.get("PerformedProcedureStepDiscontinuationReasonCodeSequence", []) or []:
        meaning = str(item.get("CodeMeaning", "") or "").strip()
        if meaning:
            return meaning
    return str(mods.get("CommentsOnThePerformedProcedureStep", "") or "").strip() or "No reason given"


def handle_n_set(event):
    close_old_connections()
    try:
        uid = str(event.request.RequestedSOPInstanceUID or "")
        mods = event.modification_list
        status = str(mods.get("PerformedProcedureStepStatus", "IN PROGRESS")).strip()
        try:
            services.procedure_step_finish(
                sop_instance_uid=uid, status=status,
                ended_at=_moment(mods.get("PerformedProcedureStepEndDate", ""),
                                 mods.get("PerformedProcedureStepEndTime", "")),
                discontinued_reason=_reason(mods) if status == "DISCONTINUED" else "")
        except services.MppsRefused as refused:
            logger.warning("dicom: MPPS N-SET %s from %s refused: %s", uid, _calling(event), refused.reason)
            return refused.status, None
        except Exception:
            logger.exception("dicom: MPPS N-SET %s failed", uid)
            return services.PROCESSING_FAILURE, None
        logger.info("dicom: MPPS %s %s from %s", uid, status, _calling(event))
        return SUCCESS, mods
    finally:
        close_old_connections()


HANDLERS = [
    (evt.EVT_REQUESTED, handle_requested),
    (evt.EVT_C_FIND, handle_find),
    (evt.EVT_N_CREATE, handle_n_create),
    (evt.EVT_N_SET, handle_n_set),
]


def application_entity() -> AE:
    ae = AE(ae_title=settings.DICOM_AE_TITLE)
    ae.add_supported_context(ModalityWorklistInformationFind)
    ae.add_supported_context(ModalityPerformedProcedureStep)
    ae.add_supported_context(Verification)
    ae.maximum_associations = 20
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    return ae


def start(*, host: str | None = None, port: int | None = None, block: bool = False):
    """Start the server; with block=False returns the server (call .shutdown() to stop it)."""
    ae = application_entity()
    return ae.start_server((host or settings.DICOM_HOST, settings.DICOM_PORT if port is None else port),
                           block=block, evt_handlers=HANDLERS)
