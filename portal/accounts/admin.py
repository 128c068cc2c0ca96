from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.accounts.models import ProxyAccess, ReferringDoctor, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["first_name", "last_name", "phone", "date_of_birth"]}),
        ("Notifications", {"fields": ["notify_by_email", "notify_by_sms"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(ReferringDoctor)
class ReferringDoctorAdmin(admin.ModelAdmin):
    list_display = ["user", "practice_number", "practice_name", "verified_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__last_name", "practice_number"]
    raw_id_fields = ["user", "verified_by"]


@admin.register(ProxyAccess)
class ProxyAccessAdmin(admin.ModelAdmin):
    """Staff see family (proxy) links and end them (the row is kept)."""

    list_display = ["guardian", "dependant", "relationship", "created_at", "ended_at", "end_reason"]
    list_filter = ["relationship", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["guardian__email", "guardian__last_name", "dependant__last_name"]
    raw_id_fields = ["guardian", "dependant", "ended_by"]
    readonly_fields = ["ended_at", "ended_by"]
    actions = ["end_access"]

    @admin.action(description="End the selected family access")
    def end_access(self, request, queryset):
        from portal.accounts.proxy import proxy_end

        for link in queryset.filter(ended_at__isnull=True):
            proxy_end(link=link, by=request.user, reason="Ended by the practice")
        self.message_user(request, "Access ended.")
