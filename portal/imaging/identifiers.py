"""How the portal's people and appointments are named on the DICOM side (pure functions)."""

from __future__ import annotations

import re

from django.conf import settings


def patient_dicom_id(patient_pk: int) -> str:
    """The PatientID the worklist gives the scanner for this patient, e.g. "RP000042"."""
    return f"{settings.DICOM_PATIENT_ID_PREFIX}{patient_pk:06d}"


def dicom_person_name(last_name: str, first_name: str, fallback: str = "") -> str:
    """PatientName as DICOM spells it: FAMILY^GIVEN, upper case, no stray separators."""
    def clean(part: str) -> str:
        return re.sub(r"[\^=\\]", " ", part or "").strip().upper()

    family, given = clean(last_name), clean(first_name)
    if not family and not given:
        return clean(fallback)
    return f"{family}^{given}" if given else family


# The catalogue's modalities as DICOM spells them (PS3.3 C.7.3.1.1.1 defined terms).
DICOM_MODALITY = {"xray": "DX", "us": "US", "ct": "CT", "mri": "MR", "mammo": "MG", "dexa": "BMD", "fluoro": "RF"}
PORTAL_MODALITY = {dicom: portal for portal, dicom in DICOM_MODALITY.items()} | {"CR": "xray"}
