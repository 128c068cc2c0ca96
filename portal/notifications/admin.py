from django.contrib import admin

from portal.notifications.models import Delivery, NotificationPreference


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "status", "due_at", "sent_at", "attempts"]
    list_filter = ["status", "channel", "message"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms_opted_out", "quiet_hours", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]
