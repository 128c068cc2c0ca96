import pytest

from portal.booking.tests.conftest import (  # noqa: F401 - shared fixtures
    committed_db,
    day,
    other_patient,
    patient,
    room,
    scan,
)


@pytest.fixture(autouse=True)
def _channels(settings):
    """Messages land in memory; one offer per freed time; no quiet hours."""
    settings.SMS_BACKEND = "locmem"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WAITLIST_OFFERS_PER_SLOT = 1
    settings.NOTIFICATIONS_QUIET_HOURS = "off"
