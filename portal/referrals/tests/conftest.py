import pytest
from django.urls import reverse

from portal.booking.tests.conftest import day, local, other_patient, patient, room, staff_user  # noqa: F401 - shared fixtures
from portal.catalogue.tests.factories import ScanTypeFactory


@pytest.fixture
def referral_scan(db, room):  # noqa: F811 - room is the shared fixture above
    return ScanTypeFactory(code="xr-spine", needs_referral=True)


@pytest.fixture
def at_referral_step(client, patient, referral_scan, day):  # noqa: F811
    """A patient's booking wizard, at the referral-letter step of a scan that needs one."""
    client.force_login(patient)
    client.get(reverse("booking:book") + f"?scan={referral_scan.code}")
    client.post(reverse("booking:book_when"), {"start": local(day, 10).isoformat()})
    response = client.post(reverse("booking:book_payment"), {"method": "self"})
    assert response["Location"] == reverse("referrals:book_referral")
    return client
