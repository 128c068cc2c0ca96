from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts import selectors, services
from portal.accounts.forms import ProfileForm
from portal.accounts.middleware import has_mfa
from portal.accounts.permissions import can, effective_roles, is_staff_member
from portal.accounts.roles import Role
from portal.core.registry import dashboard_panels_for


def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            services.user_update_profile(user=user, **form.cleaned_data)
            messages.success(request, "Your profile has been saved.")
            return redirect("accounts:profile")
        user.refresh_from_db()  # a rejected form must not leave half-changed values on the user
    else:
        form = ProfileForm(instance=user)
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "has_mfa": has_mfa(user), "doctor": getattr(user, "doctor_profile", None),
         "user_sessions": selectors.user_sessions_for(user=user), "current_session_key": request.session.session_key},
    )


@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign out one of the user's browsers or app sessions (from the profile page)."""
    current = request.session.session_key
    ended_key = services.user_session_end(user=request.user, pk=pk)
    if ended_key == current:
        return redirect(settings.LOGIN_URL)
    messages.success(request, "That device is signed out.")
    return redirect("accounts:profile")


def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = effective_roles(user)
    return render(
        request,
        "accounts/dashboard.html",
        {
            "roles": sorted(roles),
            "panels": dashboard_panels_for(user, roles),
            # a referring doctor's profile (the "awaiting verification" notice); nobody else has one to read
            "doctor": getattr(user, "doctor_profile", None) if Role.REFERRING_DOCTOR in roles else None,
            "is_staff_member": is_staff_member(user),
            "is_patient": Role.PATIENT in roles,
            "can_approve_doctors": can(user, "accounts.approve_doctor"),
            "pending_doctors": selectors.doctor_list_pending(user=user).count()
            if can(user, "accounts.approve_doctor")
            else 0,
        },
    )


def doctor_approvals(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "accounts.approve_doctor"):
        raise PermissionDenied
    doctors = selectors.doctor_list_pending(user=request.user)
    return render(request, "accounts/doctor_approvals.html", {"doctors": doctors})


@require_POST
def doctor_approve(request: HttpRequest, pk: int) -> HttpResponse:
    doctor = selectors.doctor_get_pending(user=request.user, pk=pk)
    services.doctor_approve(doctor=doctor, approved_by=request.user)
    messages.success(request, f"{doctor.user.get_full_name() or doctor.user.email} can now follow their referrals.")
    return redirect("accounts:doctor_approvals")


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def other_login_redirect(request: HttpRequest, *, default_next: str = "/") -> HttpResponse:
    """Wagtail's and Django's admin login forms never sign anyone in: allauth's login is the only one.

    Their own views call `auth.login` after a password alone, skipping allauth's two-factor stage and
    its throttling. Whatever the method, they send the visitor to the portal's login (or, signed in,
    on to where they were going); a posted password is ignored.
    """
    target = _safe_next(request, default_next)
    if request.user.is_authenticated:
        return redirect(target)
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


def other_password_reset_redirect(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Wagtail's password reset (request, confirm, done) is allauth's: one flow with its rate limits.

    Wagtail's own views send an email per post, unthrottled; every URL under them sends the visitor
    to allauth's reset page, and a posted address is ignored.
    """
    return redirect("account_reset_password")
