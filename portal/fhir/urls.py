from django.urls import path

from portal.fhir import views

app_name = "fhir"

ID = "<str:resource_id>"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient_search"),
    path(f"Patient/{ID}", views.patient_read, name="patient_read"),
    path("Practitioner", views.practitioner_search, name="practitioner_search"),
    path(f"Practitioner/{ID}", views.practitioner_read, name="practitioner_read"),
    path("Appointment", views.appointment_search, name="appointment_search"),
    path(f"Appointment/{ID}", views.appointment_read, name="appointment_read"),
    path("ServiceRequest", views.service_request_search, name="service_request_search"),
    path(f"ServiceRequest/{ID}", views.service_request_read, name="service_request_read"),
    path("DiagnosticReport", views.diagnostic_report_search, name="diagnostic_report_search"),
    path(f"DiagnosticReport/{ID}", views.diagnostic_report_read, name="diagnostic_report_read"),
    path("ImagingStudy", views.imaging_study_search, name="imaging_study_search"),
    path(f"ImagingStudy/{ID}", views.imaging_study_read, name="imaging_study_read"),
    path(f"Binary/{ID}", views.binary_read, name="binary_read"),
]
