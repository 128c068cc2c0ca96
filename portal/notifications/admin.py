from django.contrib import admin

from portal.notifications.models import AttendanceReply, Delivery, NotificationPreference


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "key", "channel", "status", "due_at", "sent_at", "attempts"]
    list_filter = ["status", "channel", "kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms_opted_out", "quiet_hours", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]


@admin.register(AttendanceReply)
class AttendanceReplyAdmin(admin.ModelAdmin):
    """Who answered a text about which appointment, by which channel, and what it did (read-only)."""

    list_display = ["id", "appointment", "channel", "outcome", "created_at"]
    list_filter = ["channel", "outcome"]
    raw_id_fields = ["appointment", "patient"]
    readonly_fields = [f.name for f in AttendanceReply._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
