from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role


def _staff_client(client_class, role: str):
    user = user_with_role(role)
    enable_totp(user)
    client = client_class()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def marketing_client(db, client):
    return _staff_client(type(client), Role.MARKETING_EDITOR)


@pytest.fixture
def manager_client(db, client):
    return _staff_client(type(client), Role.MANAGER)
