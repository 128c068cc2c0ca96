"""Issue 13, acceptance: the re-runs in production mode (DEBUG off, set here explicitly), each with its
count printed (run with -s) and asserted, beside the IDOR matrix of test_idor_production.py:

- the upload corpus, through both real upload forms (patient and referring doctor);
- the webhook forgeries: Stripe, Paynow and Twilio with forged or replayed signatures;
- log privacy: requests that handle a patient's data, one failing with a 500, leave no name, email,
  phone or date of birth in the production (JSON) log.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image
from twilio.request_validator import RequestValidator

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
from portal.booking import screening
from portal.booking.models import Appointment
from portal.booking.tests.factories import AppointmentFactory
from portal.core.uploads import DEFAULT_MAX_UPLOAD_BYTES
from portal.notifications.models import AttendanceReply, Delivery, NotificationPreference
from portal.payments.models import Payment, StripeEvent
from portal.payments.tests import paynow_helpers as pn
from portal.payments.tests.stripe_helpers import WEBHOOK_SECRET, event, session_object, signed_post
from portal.referrals.models import Referral
from portal.reports.tests.factories import verified_doctor
from tests.security.test_upload_content import LETTER
from tests.security.test_upload_content import REFUSED as ACTIVE_PDFS

pytestmark = pytest.mark.django_db
PRODUCTION = override_settings(DEBUG=False)


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "white" if mode == "RGB" else 0).save(out, format="PNG")
    return out.getvalue()


def _corpus() -> dict[str, bytes]:
    """Every file the upload tests refuse: active or malformed PDFs, disguised, empty, oversized, and
    images too big to decode."""
    corpus = {f"pdf-{name}.pdf": data for name, (data, _) in ACTIVE_PDFS.items()}
    corpus |= {
        "exe-renamed.pdf": b"MZ\x90\x00\x03" + b"\x00" * 200,
        "html-renamed.pdf": b"<html><script>alert(1)</script></html>",
        "empty.pdf": b"",
        "oversized.pdf": LETTER + b"0" * getattr(django_settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
        "bomb-20000px.png": _png(20000, 20000, mode="1"),
        "square-6300px.png": _png(6300, 6300),
        "png-named-pdf-with-script.pdf": b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n",
    }
    return corpus


@PRODUCTION
def test_upload_corpus_with_debug_off_nothing_is_accepted(client, settings):
    assert not django_settings.DEBUG
    settings.DOCTOR_REFERRAL_RATE_LIMIT = (1000, 3600)
    corpus = _corpus()
    appointment = AppointmentFactory(status=Appointment.Status.REQUESTED, confirmed_at=None)
    patient, doctor = appointment.patient, verified_doctor()
    accepted, statuses = [], set()
    for name, data in corpus.items():
        for who, url, fields in (
            (patient, reverse("referrals:upload_for_appointment", args=[appointment.pk]), {"doctor_name": "Dr X"}),
            (doctor, reverse("doctor:referral_create"), {"first_name": "Tendai", "last_name": "Moyo",
                                                         "date_of_birth": "1985-04-12", "email": "t@example.test"}),
        ):
            client.force_login(who)
            before = Referral.objects.count()
            response = client.post(url, {**fields, "file": SimpleUploadedFile(name, data)})
            statuses.add(response.status_code)
            if Referral.objects.count() != before or response.status_code >= 500:
                accepted.append((name, url, response.status_code))
    uploads = len(corpus) * 2
    print(f"upload corpus (DEBUG off): {len(corpus)} files x 2 forms = {uploads} uploads, "
          f"{len(accepted)} accepted (answers {sorted(statuses)})")
    assert accepted == [] and len(corpus) >= 16
    # the forms do take a plain letter, so the refusals above are the checks, not a broken form
    client.force_login(patient)
    client.post(reverse("referrals:upload_for_appointment", args=[appointment.pk]),
                {"doctor_name": "Dr X", "file": SimpleUploadedFile("letter.pdf", LETTER)})
    assert Referral.objects.count() == 1


PHONE = "+263771234567"
TWILIO_TOKEN = "test-twilio-auth-token"
PUBLIC_BASE = "https://portal.example.test"


@PRODUCTION
def test_webhook_forgeries_with_debug_off_are_all_refused_and_change_nothing(client, settings):
    assert not django_settings.DEBUG
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_unit", "pk_test_unit"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYNOW_INTEGRATION_ID, settings.PAYNOW_INTEGRATION_KEY = pn.INTEGRATION_ID, pn.INTEGRATION_KEY
    settings.PAYNOW_AUTH_EMAIL = ""
    settings.TWILIO_AUTH_TOKEN, settings.NOTIFICATIONS_PUBLIC_BASE_URL = TWILIO_TOKEN, PUBLIC_BASE
    settings.SMS_BACKEND = "locmem"

    patient = UserFactory(roles=[Role.PATIENT], phone=PHONE)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=5)
    appointment = AppointmentFactory(patient=patient, start=start, patient_amount=Decimal("100.00"),
                                     status=Appointment.Status.CONFIRMED)
    card = Payment.objects.create(appointment=appointment, amount=Decimal("100.00"), currency="USD",
                                  method="card_online", status="pending", provider_session_id="cs_test_w")
    mobile = Payment.objects.create(appointment=appointment, amount=Decimal("100.00"), currency="USD",
                                    method=Payment.Method.MOBILE_MONEY, status="pending", provider_poll_url=pn.POLL_URL)
    delivery = Delivery.objects.create(appointment=appointment, recipient=patient, key="a", kind="reminder",
                                       channel="sms", status="sent", due_at=start, provider_message_id="SMaaa")

    paid = json.dumps(event(session_object(card)))
    genuine_small = json.dumps(event(session_object(card, amount_total=1)))
    import stripe

    forgeries = {
        "stripe: wrong secret": lambda: signed_post(client, paid, secret="whsec_wrong"),
        "stripe: body changed after signing": lambda: signed_post(
            client, paid, signature=stripe.WebhookSignature.generate_signature_header(genuine_small, WEBHOOK_SECRET)),
        "stripe: replayed 10 minutes later": lambda: signed_post(client, paid, timestamp=int(time.time()) - 600),
        "stripe: no signature": lambda: client.post(reverse("payments:payments_stripe_webhook"), data=paid,
                                                    content_type="application/json"),
        "stripe: garbage signature": lambda: signed_post(client, paid, signature="t=1,v1=deadbeef"),
    }
    message = pn.status_message(mobile)
    for tamper in ("hash", "amount", "status", "key"):
        forged = dict(message)
        if tamper == "hash":
            forged["hash"] = forged["hash"][:-1] + ("0" if forged["hash"][-1] != "0" else "1")
        elif tamper == "amount":
            forged["amount"] = "1.00"
        elif tamper == "status":
            forged["status"] = "Delivered"
        else:
            forged = pn.signed({k: v for k, v in message.items() if k != "hash"}, key="another-merchants-key")
        forgeries[f"paynow: {tamper} forged"] = (
            lambda forged=forged: client.post(reverse("payments:paynow_result"), forged))
    forgeries["paynow: no hash"] = lambda: client.post(reverse("payments:paynow_result"),
                                                       {k: v for k, v in message.items() if k != "hash"})
    inbound, status = reverse("notifications:twilio_inbound"), reverse("notifications:twilio_status")
    cancel = {"From": PHONE, "To": "+15005550006", "Body": "CANCEL", "MessageSid": "SM1"}
    validator = RequestValidator(TWILIO_TOKEN)
    forgeries |= {
        "twilio inbound: forged": lambda: client.post(inbound, cancel, HTTP_X_TWILIO_SIGNATURE="forged"),
        "twilio inbound: no signature": lambda: client.post(inbound, cancel),
        "twilio inbound: signed for another host": lambda: client.post(
            inbound, cancel, HTTP_X_TWILIO_SIGNATURE=validator.compute_signature("https://evil.example" + inbound,
                                                                                 cancel)),
        "twilio inbound: body changed after signing": lambda: client.post(
            inbound, cancel, HTTP_X_TWILIO_SIGNATURE=validator.compute_signature(
                PUBLIC_BASE + inbound, {**cancel, "Body": "HELLO"})),
        "twilio inbound: STOP forged": lambda: client.post(
            inbound, {**cancel, "Body": "STOP"}, HTTP_X_TWILIO_SIGNATURE="forged"),
        "twilio status: forged": lambda: client.post(
            status, {"MessageSid": "SMaaa", "MessageStatus": "failed", "ErrorCode": "30003"},
            HTTP_X_TWILIO_SIGNATURE="forged"),
        "twilio status: wrong token": lambda: client.post(
            status, {"MessageSid": "SMaaa", "MessageStatus": "failed"},
            HTTP_X_TWILIO_SIGNATURE=RequestValidator("another-token").compute_signature(
                PUBLIC_BASE + status, {"MessageSid": "SMaaa", "MessageStatus": "failed"})),
    }
    answered = {name: send().status_code for name, send in forgeries.items()}
    let_through = {name: code for name, code in answered.items() if code not in (400, 403)}
    print(f"webhook forgeries (DEBUG off): {len(forgeries)} sent (Stripe 5, Paynow 5, Twilio 7), "
          f"{len(let_through)} accepted")
    assert let_through == {}
    card.refresh_from_db()
    mobile.refresh_from_db()
    appointment.refresh_from_db()
    delivery.refresh_from_db()
    assert (card.status, mobile.status, appointment.status, delivery.status) == (
        "pending", "pending", "confirmed", "sent")
    assert not StripeEvent.objects.exists() and not AttendanceReply.objects.exists()
    assert not NotificationPreference.objects.exists()  # the forged STOP opted nobody out


PATIENT = {"first_name": "Tendai", "last_name": "Moyo-Chikwanha", "email": "tendai.moyo@example.test",
           "phone": "+263771234567", "date_of_birth": dt.date(1987, 6, 5)}
SECRETS = ("Tendai", "Moyo", "tendai.moyo@example.test", "771234567", "1987-06-05", "5 Jun 1987")


@PRODUCTION
def test_log_privacy_with_debug_off_no_patient_data_reaches_the_log(monkeypatch, settings):
    assert not django_settings.DEBUG and django_settings.DJANGO_LOG_FORMAT == "json"
    from django.utils.log import configure_logging

    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    settings.DOCTOR_REFERRAL_RATE_LIMIT = (1000, 3600)
    appointment = AppointmentFactory(**{f"patient__{name}": value for name, value in PATIENT.items()})
    patient = appointment.patient
    client = Client(raise_request_exception=False)
    requests = 0

    def get(path, **kwargs):
        nonlocal requests
        requests += 1
        return client.get(path, **kwargs)

    # a failed sign-in with the patient's email, then their own pages
    requests += 1
    client.post(reverse("account_login"), {"login": PATIENT["email"], "password": "wrong-password-1"})
    client.force_login(patient)
    for path in (reverse("accounts:dashboard"), reverse("booking:list"),
                 reverse("booking:detail", args=[appointment.pk]), f"/search/?q={PATIENT['last_name']}"):
        get(path)
    # a doctor refers them by name, date of birth and email (the invitation path logs ids only)
    doctor = Client(raise_request_exception=False)
    doctor.force_login(verified_doctor())
    requests += 1
    doctor.post(reverse("doctor:referral_create"), {
        "first_name": PATIENT["first_name"], "last_name": PATIENT["last_name"], "date_of_birth": "1987-06-05",
        "email": PATIENT["email"], "file": SimpleUploadedFile("letter.pdf", LETTER)})

    # and a page that fails with an exception naming them
    def careless(answers):
        raise RuntimeError(f"cannot describe answers of {patient.get_full_name()} {patient.phone} "
                           f"born {patient.date_of_birth} {patient.email}")

    monkeypatch.setattr(screening, "describe", careless)
    assert get(reverse("booking:detail", args=[appointment.pk])).status_code == 500
    text = stream.getvalue()
    lines = [line for line in text.splitlines() if line.strip()]
    assert any('"django.request"' in line for line in lines)  # the 500 was logged (so the check means something)
    found = [secret for secret in SECRETS if secret.lower() in text.lower()]
    print(f"log privacy (DEBUG off): {requests} requests, {len(lines)} log lines, "
          f"{len(SECRETS)} patient details looked for, {len(found)} found")
    assert found == []
