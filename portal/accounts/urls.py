from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("staff/doctors/", views.doctor_approvals, name="doctor_approvals"),
    path("staff/doctors/<int:pk>/approve/", views.doctor_approve, name="doctor_approve"),
]
