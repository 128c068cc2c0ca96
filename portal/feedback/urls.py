from django.urls import path

from portal.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("appointment/<int:appointment_id>/", views.give, name="give"),
]
