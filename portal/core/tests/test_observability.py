"""Sentry events without patient data, task failures reported, JSON logs, and /healthz's worker and PACS."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import requests
import responses
import sentry_sdk
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_q.signals import post_execute
from sentry_sdk.transport import Transport

from portal.booking import screening
from portal.booking.tests.factories import AppointmentFactory
from portal.core.observability import scrub_event
from portal.core.tasks import worker_heartbeat

# The patient, kept away from the code in the stack trace (Sentry sends a few source lines per frame).
PATIENT = {"first_name": "Tendai", "last_name": "Moyo-Chikwanha", "email": "tendai.moyo@example.test",
           "phone": "+263771234567", "date_of_birth": dt.date(1987, 6, 5)}
SECRETS = ("Tendai", "Moyo", "tendai.moyo@example.test", "771234567", "1987-06-05")


class CapturingTransport(Transport):
    """A fake Sentry transport: keeps each envelope as the JSON text that would have been sent."""

    def __init__(self, options=None):
        super().__init__(options)
        self.sent: list[str] = []

    def capture_envelope(self, envelope):
        self.sent.extend(item.get_bytes().decode() for item in envelope.items)


@pytest.fixture
def sentry():
    from portal.core.observability import init_sentry

    transport = CapturingTransport()
    init_sentry(dsn="https://public@sentry.invalid/1", environment="test", release="", traces_sample_rate=0,
                transport=transport)
    yield transport
    sentry_sdk.flush()
    sentry_sdk.init()  # off again for the other tests


@pytest.mark.django_db
def test_an_error_on_a_page_showing_a_patient_reaches_sentry_without_their_data(sentry, monkeypatch):
    appointment = AppointmentFactory(**{f"patient__{name}": value for name, value in PATIENT.items()})
    patient = appointment.patient

    def careless(answers):  # a bug whose message names the patient, as real ones do
        raise RuntimeError(f"cannot describe answers of {patient.get_full_name()} <{patient.email}> "
                           f"{patient.phone} born {patient.date_of_birth}")

    monkeypatch.setattr(screening, "describe", careless)
    client = Client(raise_request_exception=False)
    client.force_login(patient)
    client.cookies["patient_name"] = PATIENT["first_name"]
    response = client.get(reverse("booking:detail", args=[appointment.pk]), {"q": PATIENT["last_name"]})
    assert response.status_code == 500
    sentry_sdk.flush()

    sent = "\n".join(sentry.sent)
    event = json.loads(next(item for item in sentry.sent if '"exception"' in item))
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"  # the bug is still findable
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(frame.get("function") == "careless" for frame in frames)
    assert set(event.get("request", {})) <= {"method", "url", "headers"}  # no body, cookies, query string
    for secret in (*SECRETS, "sessionid"):
        assert secret not in sent, secret


def test_a_failed_task_is_reported_with_its_function_and_error_type_only(sentry):
    # What django-q2's monitor sends for a failed task (worker.py: result is "<message> : <traceback>").
    result = ("patient Tendai Moyo has no phone : Traceback (most recent call last):\n  File \"x.py\", line 1\n"
              "ValueError: patient Tendai Moyo has no phone\n")
    task = {"id": "0f1e", "name": "ten-two-three", "func": "portal.notifications.tasks.send_sms", "args": (12,),
            "kwargs": {}, "success": False, "result": result}
    post_execute.send(sender="django_q", task=task)
    sentry_sdk.flush()
    events = [json.loads(item) for item in sentry.sent if '"Task failed' in item]
    assert len(events) == 1
    assert events[0]["tags"]["task.func"] == "portal.notifications.tasks.send_sms"
    assert events[0]["tags"]["task.error_type"] == "ValueError"
    assert "Tendai" not in json.dumps(events[0])


def test_scrub_event_drops_request_bodies_cookies_user_details_and_locals():
    event = {
        "request": {"method": "POST", "url": "https://portal.test/profile/?email=a@b.test", "data": {"first_name": "X"},
                    "cookies": {"sessionid": "s"}, "headers": {"Cookie": "sessionid=s", "Accept": "text/html"}},
        "user": {"id": 5, "email": "a@b.test", "username": "a"},
        "exception": {"values": [{"type": "KeyError", "value": "'Tendai'", "stacktrace": {
            "frames": [{"function": "view", "vars": {"name": "Tendai"}}]}}]},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT ... 'Tendai'", "data": {"p": 1}}]},
        "extra": {"name": "Tendai"},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["request"] == {"method": "POST", "url": "https://portal.test/profile/",
                                   "headers": {"Accept": "text/html"}}
    assert scrubbed["user"] == {"id": 5}
    assert "Tendai" not in json.dumps(scrubbed)


def test_logs_are_json_lines_in_production():
    assert settings.DEBUG is False and settings.DJANGO_LOG_FORMAT == "json"
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "slot %s taken", (3,), None)
    line = json.loads(handler.format(record))
    assert line["level"] == "WARNING" and line["logger"] == "portal.test" and line["message"] == "slot 3 taken"


@pytest.mark.django_db
def test_a_500s_logged_traceback_finds_the_bug_without_the_patients_data(monkeypatch):
    """django.request logs every 500 with its traceback: through the configured handler the line
    keeps the frames and the exception type, never the message that names the patient."""
    import io

    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    appointment = AppointmentFactory(**{f"patient__{name}": value for name, value in PATIENT.items()})
    patient = appointment.patient

    def careless(answers):
        try:
            {}[patient.email]
        except KeyError as missing:
            raise RuntimeError(f"cannot describe answers of {patient.get_full_name()} {patient.phone} "
                               f"born {patient.date_of_birth}") from missing

    monkeypatch.setattr(screening, "describe", careless)
    client = Client(raise_request_exception=False)
    client.force_login(patient)
    assert client.get(reverse("booking:detail", args=[appointment.pk])).status_code == 500
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert "builtins.RuntimeError: [scrubbed]" in error["exc_info"]
    assert "builtins.KeyError: [scrubbed]" in error["exc_info"]  # the chain is kept
    assert "in careless" in error["exc_info"]
    for secret in SECRETS:
        assert secret not in stream.getvalue(), secret


@pytest.mark.django_db
def test_healthz_reports_a_worker_that_never_beat_as_degraded(client):
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == "no heartbeat yet"


@pytest.mark.django_db
def test_healthz_reports_the_workers_last_heartbeat_and_when_it_goes_stale(client):
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        worker_heartbeat()
        body = client.get(reverse("healthz")).json()
        assert body["status"] == "ok"
        assert body["worker"] == {"status": "ok", "last_heartbeat": "2026-12-02T08:00:00+00:00", "age_seconds": 0}
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 5, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("healthz"))
        assert response.status_code == 200  # the web tier still serves
        assert response.json()["worker"]["status"] == "stale"
        assert response.json()["status"] == "degraded"


@pytest.mark.django_db
@responses.activate
def test_healthz_checks_orthanc_when_pacs_url_is_set(client, settings):
    worker_heartbeat()
    settings.PACS_URL = "http://pacs.invalid:8042"
    responses.get("http://pacs.invalid:8042/system", json={"Version": "1.10.1", "Name": "ORTHANC"})
    assert client.get(reverse("healthz")).json()["pacs"] == "ok"
    responses.replace(responses.GET, "http://pacs.invalid:8042/system", body=requests.ConnectionError())
    body = client.get(reverse("healthz")).json()
    assert body["pacs"] == "error"
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_says_nothing_of_a_pacs_when_imaging_is_off(client, settings):
    settings.PACS_URL = ""
    assert "pacs" not in client.get(reverse("healthz")).json()


@pytest.mark.django_db
def test_with_the_cache_unreachable_healthz_reports_it_instead_of_failing(client, settings):
    """Found by the cluster drill: the page-cache middleware and the practice details raised first
    (a 500 with no report). Both now fall back, so /healthz can say what is wrong (503, cache error);
    Wagtail's own page serving still needs the cache (its site root paths live there)."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{dead}/0"}}
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "error" and response.json()["database"] == "ok"
