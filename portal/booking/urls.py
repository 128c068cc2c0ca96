from django.urls import path

from portal.booking import views, views_appointments, views_staff

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/for/", views.book_for, name="book_for"),
    path("book/when/", views.book_when, name="book_when"),
    path("book/slots/", views.book_slots, name="book_slots"),
    path("book/safety/", views.book_safety, name="book_safety"),
    path("book/payment/", views.book_payment, name="book_payment"),
    path("book/confirm/", views.book_confirm, name="book_confirm"),
    path("book/estimate.pdf", views.book_estimate, name="book_estimate"),
    path("book/restart/", views.book_restart, name="book_restart"),
    path("list/", views_appointments.appointment_list, name="list"),
    path("worklist/", views_staff.worklist, name="worklist"),
    path("<int:pk>/", views_appointments.appointment_detail, name="detail"),
    path("<int:pk>/calendar.ics", views_appointments.appointment_calendar, name="calendar"),
    path("<int:pk>/cancel/", views_appointments.appointment_cancel, name="cancel"),
    path("<int:pk>/estimate.pdf", views_appointments.appointment_estimate, name="estimate"),
    path("<int:pk>/payment-summary/", views_appointments.appointment_payment_summary, name="payment_summary"),
    path("<int:pk>/reschedule/", views_appointments.appointment_reschedule, name="reschedule"),
    path("<int:pk>/reschedule/slots/", views_appointments.appointment_reschedule_slots, name="reschedule_slots"),
    path("<int:pk>/move/", views_staff.appointment_move, name="move"),
    path("<int:pk>/move/slots/", views_staff.appointment_move_slots, name="move_slots"),
    path("<int:pk>/staff/<slug:action>/", views_staff.appointment_action, name="action"),
]
