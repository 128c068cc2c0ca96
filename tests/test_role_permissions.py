"""The rules that moved from role sets to Django permissions answer for each role exactly as the role
sets did (the table below is those sets, as rules.py had them before the permissions); a superuser
may do each, an inactive user none."""

from __future__ import annotations

import pytest

from portal.accounts.permissions import can
from portal.accounts.roles import Role
from portal.accounts.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

FRONT_DESK = {Role.RECEPTION, Role.MANAGER}
WHO_MAY = {
    "booking.confirm_appointment": FRONT_DESK,
    "booking.check_in_appointment": {Role.RECEPTION, Role.RADIOGRAPHER, Role.MANAGER},
    "booking.complete_appointment": {Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER},
    "booking.no_show_appointment": FRONT_DESK,
    "booking.cancel_appointment": FRONT_DESK,
    "booking.move_appointment": FRONT_DESK,
    "booking.review_appointment": {Role.RADIOLOGIST},
    "booking.view_worklist": {Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER},
    "booking.book_for_patient": FRONT_DESK,
    "waitlist.manage": FRONT_DESK,
    "notifications.resend": FRONT_DESK,
    "analytics.view": {Role.MANAGER},
    "analytics.send_reminder": {Role.MANAGER},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_take_exactly_the_actions_its_role_set_gave_it(role):
    user = user_with_role(role)
    assert {action for action in WHO_MAY if can(user, action)} == {a for a, roles in WHO_MAY.items() if role in roles}


def test_a_superuser_without_a_role_may_take_every_action():
    admin = UserFactory(is_superuser=True)
    assert all(can(admin, action) for action in WHO_MAY)


def test_an_inactive_manager_may_take_none():
    manager = user_with_role(Role.MANAGER, is_active=False)
    assert not any(can(manager, action) for action in WHO_MAY)


def test_a_role_given_later_counts_at_once_on_the_same_user_object():
    """`forget_roles` (after a change of groups) drops Django's permission cache too."""
    from django.contrib.auth.models import Group

    from portal.accounts.permissions import forget_roles

    user = user_with_role(Role.PATIENT)
    assert not can(user, "booking.view_worklist")
    user.groups.add(Group.objects.get(name=Role.RADIOGRAPHER))
    forget_roles(user)
    assert can(user, "booking.view_worklist")
