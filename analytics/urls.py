from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("revenue/", views.revenue, name="revenue"),
    path("feedback/", views.feedback, name="feedback"),
    path("missed/", views.missed, name="missed"),
    path("turnaround/", views.turnaround, name="turnaround"),
    path("risk/", views.risk, name="risk"),
    path("risk/<int:pk>/remind/", views.send_reminder, name="send_reminder"),
]
