from django.urls import path

from portal.accounts import views, views_family

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("family/", views_family.family, name="family"),
    path("family/switch/", views_family.family_switch, name="family_switch"),
    path("family/<int:pk>/end/", views_family.family_end, name="family_end"),
    path("staff/doctors/", views.doctor_approvals, name="doctor_approvals"),
    path("staff/doctors/<int:pk>/approve/", views.doctor_approve, name="doctor_approve"),
]
