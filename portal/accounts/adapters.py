from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Signup makes patients and referring doctors only; staff are made by an administrator."""

    def save_user(self, request, user, form, commit=True):
        user.is_staff = False
        user.is_superuser = False
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        return super().get_login_redirect_url(request) or reverse("accounts:dashboard")

    def get_client_ip(self, request):
        """allauth's per-address limits count the same address as the audit trail (portal.core.clientip)."""
        from django.core.exceptions import PermissionDenied

        from portal.core.clientip import client_ip

        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address
