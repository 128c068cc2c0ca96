"""No tables: only the "FHIR export" permission lives here (Django permissions hang on a model)."""

from django.db import models


class FhirAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("export_fhir", "FHIR export: read every patient's records over FHIR")]

    def __str__(self) -> str:
        return "FHIR access"
