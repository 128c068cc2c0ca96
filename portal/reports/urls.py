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
    path("<int:pk>/feedback/", views_feedback.feedback, name="feedback"),
]
