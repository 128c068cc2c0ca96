"""The roles of the practice. Each is a Django group, created by a migration."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PATIENT = "Patient", "Patient"
    REFERRING_DOCTOR = "Referring doctor", "Referring doctor"
    RECEPTION = "Reception", "Reception"
    RADIOGRAPHER = "Radiographer", "Radiographer"
    RADIOLOGIST = "Radiologist", "Radiologist"
    MANAGER = "Manager", "Manager"
    MARKETING_EDITOR = "Marketing editor", "Marketing editor"


# Roles that work for the practice. Only an administrator gives them; no signup path can.
STAFF_ROLES = frozenset({Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER, Role.MARKETING_EDITOR})
# Staff who handle patient data (clinical and front desk). Marketing editors are not among them.
CLINICAL_STAFF_ROLES = frozenset({Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER})
# Roles a person may choose at signup.
SELF_SIGNUP_ROLES = frozenset({Role.PATIENT, Role.REFERRING_DOCTOR})
