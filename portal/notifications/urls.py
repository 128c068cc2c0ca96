from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe_reminders, name="unsubscribe"),
    path("deliveries/<int:pk>/resend/", views.resend, name="resend"),
    path("twilio/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path("twilio/status/", views.twilio_status, name="twilio_status"),
]
