from django.urls import path

from portal.referrals import views

app_name = "referrals"

urlpatterns = [
    path("appointments/book/referral/", views.book_referral, name="book_referral"),
    path("appointments/<int:pk>/referral/", views.upload_for_appointment, name="upload_for_appointment"),
    path("referrals/<int:pk>/file/", views.referral_file, name="file"),
    path("referrals/<int:pk>/doctor/", views.link_doctor, name="link_doctor"),
    path("referrals/<int:pk>/diagnosis/", views.set_diagnosis, name="set_diagnosis"),
    path("referrals/invitation/<str:token>/", views.invitation, name="invitation"),
]
