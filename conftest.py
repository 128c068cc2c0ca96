"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

# The throwaway Orthanc (session fixture) for imaging tests and browser journeys; a full private-files disk.
pytest_plugins = ["portal.imaging.tests.fixtures", "portal.core.tests.full_disk"]


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Each test writes private and public files to its own folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _force_login_is_a_full_sign_in(monkeypatch):
    """`client.force_login(user)` stands for a finished sign-in: for a user with TOTP that includes
    the code, as allauth records it in the session. The login paths themselves (password, code, the
    admin forms) are tested through real requests in portal/accounts/tests and tests/security."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from portal.accounts.tests.factories import record_mfa_in_session

        record_mfa_in_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


def pytest_collection_modifyitems(config, items):
    """Transactional tests empty the database when they end; have them put back what migrations made
    (roles, the Wagtail root and home page, permissions) so later tests still find it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            marker is None and {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _fresh_practice_details():
    """Each test reads the practice's details, the menu, the permissions... from its own database, not a
    copy an earlier test kept (portal.core.process_memo; the footer, cms.footer, is one too)."""
    from portal.core.process_memo import forget_all

    forget_all()
    yield
    forget_all()
