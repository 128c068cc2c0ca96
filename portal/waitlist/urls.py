from django.urls import path

from portal.waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("join/", views.join, name="join"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("offers/<int:pk>/", views.offer, name="offer"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="offer_accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="offer_decline"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/offer/", views.staff_offer, name="staff_offer"),
]
