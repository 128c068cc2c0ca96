from django.urls import path

from portal.imaging import views

app_name = "imaging"

urlpatterns = [
    path("studies/<int:pk>/", views.study, name="study"),
    path("studies/<int:pk>/series/<str:series_id>/", views.series, name="series"),
    path("studies/<int:pk>/images/<str:instance_id>/preview.jpg", views.image, {"kind": "preview"}, name="preview"),
    path("studies/<int:pk>/images/<str:instance_id>/frame.jpg", views.image, {"kind": "frame"}, name="frame"),
    path("studies/<int:pk>/download/dicom.zip", views.download, name="download"),
    path("studies/<int:pk>/download/jpeg.zip", views.download_jpeg, name="download_jpeg"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("reconcile/<int:pk>/", views.reconcile_study, name="reconcile_study"),
]
