"""Issue 13, item 6: one client address, configured by the number of trusted proxies.

Behind one proxy (DJANGO_TRUSTED_PROXY_COUNT=1) the audit trail, the report and referral access logs
and allauth's per-address limits all see the client's address; with no trusted proxy a forged
X-Forwarded-For is ignored everywhere.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.core.audit import AuditEvent
from portal.core.clientip import client_ip
from portal.core.simplepdf import simple_pdf
from portal.referrals.models import ReferralAccess
from portal.referrals.services import referral_upload
from portal.reports.models import ReportAccess
from portal.reports.tests.factories import completed_appointment, signed_report

PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
PDF = simple_pdf()


def _request(xff: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "count,xff,expected",
    [
        (0, f"{CLIENT}", PROXY),  # no trusted proxy: the header is the client's word, ignored
        (1, f"{CLIENT}", CLIENT),
        (1, f"198.51.100.7, {CLIENT}", CLIENT),  # the client's own forged entry on the left is ignored
        (2, f"{CLIENT}, 10.0.0.1", CLIENT),
        (2, f"{CLIENT}", PROXY),  # too short for two proxies: not believed
        (1, "not-an-address", PROXY),
        (1, None, PROXY),
        (1, "[2001:db8::5]:443", "2001:db8::5"),
    ],
)
def test_client_ip_takes_the_entry_the_trusted_proxies_wrote(settings, count, xff, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(xff)) == expected


def test_the_proxy_count_setting_also_configures_allauth():
    from django.conf import settings

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT


@pytest.mark.django_db
@pytest.mark.parametrize("count,expected", [(1, CLIENT), (0, PROXY)])
def test_audit_report_and_referral_logs_record_the_client_address(client, settings, count, expected):
    settings.TRUSTED_PROXY_COUNT = count
    patient = user_with_role(Role.PATIENT)
    report = signed_report(appointment=completed_appointment(patient=patient))
    referral = referral_upload(
        patient=patient, uploaded_file=SimpleUploadedFile("l.pdf", PDF), uploaded_by=patient
    )
    client.force_login(patient)
    headers = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT}
    assert client.get(reverse("reports:view", args=[report.pk]), **headers).status_code == 200
    assert client.get(reverse("referrals:file", args=[referral.pk]), **headers).status_code == 200
    assert ReportAccess.objects.get(report=report).ip_address == expected
    assert ReferralAccess.objects.get(referral=referral).ip_address == expected
    events = AuditEvent.objects.filter(actor=patient)
    assert events.count() == 2
    assert set(events.values_list("ip_address", flat=True)) == {expected}


@pytest.mark.django_db
def test_allauth_limits_count_per_client_behind_the_proxy(client, settings):
    """Ten wrong passwords a minute from one client are refused; another client behind the same proxy is not."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
    for n in range(10):
        client.post(reverse("account_login"), {"login": f"nobody{n}@example.org", "password": "wrong-password"},
                    REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    refused = client.post(reverse("account_login"), {"login": "x@example.org", "password": "wrong-password"},
                          REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert "too many failed login attempts" in refused.content.decode().lower()
    other = client.post(reverse("account_login"), {"login": "x@example.org", "password": "wrong-password"},
                        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 200
    assert "too many failed login attempts" not in other.content.decode().lower()
