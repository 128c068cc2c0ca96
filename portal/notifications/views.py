from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from portal.notifications import selectors, sending, services, whatsapp
from portal.notifications.forms import PreferenceForm
from portal.notifications.models import AttendanceReply
from portal.notifications.replies import sms_reply_handle

logger = logging.getLogger(__name__)


def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    preference = selectors.preference_get_for(user=user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, user=user)
        if form.is_valid():
            services.preference_update(user=user, **form.cleaned_data)
            messages.success(request, "Your notification preferences have been saved.")
            return redirect("notifications:preferences")
    else:
        form = PreferenceForm(
            user=user,
            initial={
                "notify_by_email": user.notify_by_email,
                "notify_by_sms": user.notify_by_sms,
                "notify_by_whatsapp": user.notify_by_whatsapp,
                "sms_opted_out": preference.sms_opted_out,
                "email_reminders": preference.email_reminders,
                "quiet_hours": preference.quiet_hours,
                "quiet_start": preference.quiet_start,
                "quiet_end": preference.quiet_end,
            },
        )
    return render(request, "notifications/preferences.html", {
        "form": form, "preference": preference, "whatsapp_offered": "notify_by_whatsapp" in form.fields})


@csrf_exempt  # mail providers POST here (RFC 8058 one-click); the signed token is the authentication
def unsubscribe_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button (link scanners never unsubscribe anyone). POST: reminder emails off."""
    user = selectors.user_for_unsubscribe_token(token=token)
    done = False
    if request.method == "POST":
        services.preference_unsubscribe_reminders(user=user)
        done = True
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "notifications/unsubscribe.html", {"done": done, "token": token})


@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get_for_resend(user=request.user, pk=pk)
    services.delivery_resend(delivery=delivery, requested_by=request.user)
    messages.success(request, f"The {delivery.get_channel_display()} message will be sent again.")
    target = request.POST.get("next", "")
    hosts = {request.get_host()}
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=hosts, require_https=request.is_secure())
    if not safe:
        target = "accounts:dashboard"
    return redirect(target)


def _twilio_request_is_genuine(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.NOTIFICATIONS_PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A patient's reply by SMS or WhatsApp (public; Twilio signs it). A WhatsApp reply comes from
    "whatsapp:+263..." (the same webhook can serve the number and the WhatsApp sender)."""
    if not _twilio_request_is_genuine(request):
        logger.warning("Refused an inbound SMS/WhatsApp webhook with a missing or wrong signature")
        return HttpResponseForbidden("Invalid signature")
    number, by_whatsapp = whatsapp.strip_prefix(request.POST.get("From", ""))
    channel = AttendanceReply.Channel.WHATSAPP if by_whatsapp else AttendanceReply.Channel.SMS
    reply = sms_reply_handle(from_number=number, body=request.POST.get("Body", ""),
                             message_id=request.POST.get("MessageSid", ""), channel=channel)
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's delivery report for a message we sent (public; Twilio signs it)."""
    if not _twilio_request_is_genuine(request):
        logger.warning("Refused an SMS status callback with a missing or wrong signature")
        return HttpResponseForbidden("Invalid signature")
    sending.delivery_record_status(
        provider_message_id=request.POST.get("MessageSid", ""),
        provider_status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
