from django.urls import path

from portal.reports import doctor_views

app_name = "doctor"

urlpatterns = [
    path("referrals/", doctor_views.referral_list, name="referrals"),
    path("referrals/new/", doctor_views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", doctor_views.referral_detail, name="referral_detail"),
]
