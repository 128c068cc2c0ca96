from django.urls import path

from portal.reports import views, views_feedback, views_share

app_name = "reports"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("worklist/", views.worklist, name="worklist"),
    path("appointment/<int:appointment_id>/start/", views.start, name="start"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/critical/acknowledge/", views.critical_acknowledge, name="critical_acknowledge"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/view/", views.view, name="view"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/share/", views_share.share, name="share"),
    path("shares/<int:pk>/revoke/", views_share.share_revoke, name="share_revoke"),
    path("shared/<str:token>/", views_share.shared, name="shared"),
    path("shared/<str:token>/pdf/", views_share.shared_pdf, name="shared_pdf"),
    path("shared/<str:token>/images/<int:study_pk>/series/<str:series_id>/", views_share.shared_series,
         name="shared_series"),
    path("shared/<str:token>/images/<int:study_pk>/<str:instance_id>/<str:kind>.jpg", views_share.shared_image,
         name="shared_image"),
    path("shared/<str:token>/images/<int:study_pk>/dicom.zip", views_share.shared_images_download,
         name="shared_images_download"),
    path("<int:pk>/feedback/", views_feedback.feedback, name="feedback"),
]
