from __future__ import annotations

import pytest
import responses

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.payments.tests.stripe_helpers import WEBHOOK_SECRET


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_unit"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unit"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def stripe_api():
    """Stripe's HTTP API, mocked: any call not registered fails the test (no network)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def reception(db):
    user = user_with_role(Role.RECEPTION)
    enable_totp(user)
    return user


@pytest.fixture
def reception_client(client, reception):
    client.force_login(reception)
    return client
