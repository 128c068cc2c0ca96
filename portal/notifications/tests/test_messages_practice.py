from __future__ import annotations

import pytest

from portal.core.tests.factories import set_practice_details
from portal.notifications import messages

pytestmark = pytest.mark.django_db


def test_a_message_names_the_practice_from_its_details():
    set_practice_details(practice_name="Harare Imaging Centre")
    item = messages.Outgoing(pk=None, kind="confirmation", channel="email", first_name="Tendai")
    assert messages.build_context(item)["practice"] == "Harare Imaging Centre"
    assert "Harare Imaging Centre" in messages.render(item, to="t@example.com").subject
