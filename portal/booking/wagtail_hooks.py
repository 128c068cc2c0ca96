"""Rooms, opening hours and closures in the Wagtail admin (Reception and Managers, by model
permissions granted in migration 0005; Marketing editors have none, so they see nothing here)."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from portal.booking.models import Closure, OpeningHours, Room


class RoomViewSet(ModelViewSet):
    model = Room
    url_prefix = "booking/rooms"
    url_namespace = "booking_rooms"
    icon = "home"
    menu_label = "Rooms"
    list_display = ["name", "modality", "ae_title", "active"]
    list_filter = ["modality", "active"]
    search_fields = ["name", "ae_title"]
    panels = [FieldPanel("name"), FieldRowPanel([FieldPanel("modality"), FieldPanel("active")]),
              FieldRowPanel([FieldPanel("ae_title"), FieldPanel("station_name")], heading="DICOM (imaging)")]


class OpeningHoursViewSet(ModelViewSet):
    model = OpeningHours
    url_prefix = "booking/opening-hours"
    url_namespace = "booking_opening_hours"
    icon = "time"
    menu_label = "Opening hours"
    list_display = ["room", "weekday", "opens", "closes"]
    list_filter = ["room", "weekday"]
    panels = [FieldPanel("room"), FieldPanel("weekday"), FieldRowPanel([FieldPanel("opens"), FieldPanel("closes")])]


class ClosureViewSet(ModelViewSet):
    model = Closure
    url_prefix = "booking/closures"
    url_namespace = "booking_closures"
    icon = "warning"
    menu_label = "Closures"
    list_display = ["start_date", "end_date", "room", "reason"]
    list_filter = ["room"]
    panels = [FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]), FieldPanel("room"),
              FieldPanel("reason")]


class SchedulingViewSetGroup(ViewSetGroup):
    menu_label = "Scheduling"
    menu_icon = "date"
    menu_order = 250
    items = (RoomViewSet, OpeningHoursViewSet, ClosureViewSet)


@hooks.register("register_admin_viewset")
def register_scheduling():
    return SchedulingViewSetGroup()
