from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory
from portal.booking.tests.factories import AppointmentFactory
from portal.notifications import sms, whatsapp

HARARE = ZoneInfo("Africa/Harare")
PUBLIC_BASE = "https://portal.example.test"
TOKEN = "test-twilio-auth-token"


@pytest.fixture(autouse=True)
def _notification_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.NOTIFICATIONS_PUBLIC_BASE_URL = PUBLIC_BASE
    settings.NOTIFICATIONS_REMINDER_OFFSETS_HOURS = [24, 2]
    settings.NOTIFICATIONS_QUIET_HOURS = "21-7"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TWILIO_WHATSAPP_FROM = ""  # WhatsApp off unless a test turns it on (whatsapp_on)
    settings.WHATSAPP_BACKEND = "locmem"
    settings.WHATSAPP_CONTENT_SIDS = {}
    sms.outbox.clear()
    whatsapp.outbox.clear()
    yield
    sms.outbox.clear()
    whatsapp.outbox.clear()


WHATSAPP_FROM = "whatsapp:+14155238886"
CONTENT_SIDS = {"reminder": "HX" + "r" * 32, "confirmation": "HX" + "c" * 32, "cancellation": "HX" + "x" * 32}


@pytest.fixture
def whatsapp_on(settings):
    """The practice's WhatsApp sender is configured, with templates for three message kinds."""
    settings.TWILIO_WHATSAPP_FROM = WHATSAPP_FROM
    settings.WHATSAPP_CONTENT_SIDS = dict(CONTENT_SIDS)
    return settings


@pytest.fixture(scope="module")
def keep_migrated_data(django_db_setup, django_db_blocker):
    """For transactional tests: they end with a flush that also empties what data migrations made
    (role groups, Wagtail's root page, the reminder schedule). Put it back after the module, so the
    next test run with --reuse-db starts from a migrated database."""
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        snapshot = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(snapshot)


def local_dt(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HARARE)


def make_patient(*, email=True, sms_on=True, phone="+263771234567", **kwargs):
    return UserFactory(
        roles=[Role.PATIENT], phone=phone, notify_by_email=email, notify_by_sms=sms_on, **kwargs
    )


def make_appointment(*, start, patient=None, requested_at=None, **kwargs):
    patient = patient or make_patient()
    return AppointmentFactory(
        patient=patient, start=start, requested_at=requested_at or start - dt.timedelta(days=7), **kwargs
    )
