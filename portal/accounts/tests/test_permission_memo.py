"""Each user's permissions are read once per process and renewed when groups or permissions change
(portal.accounts.backends, issue 22); the header's guardian check likewise (portal.accounts.proxy)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts import proxy
from portal.accounts.models import ProxyAccess, User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the test saves as a commit would (the memos renew their stamp on commit)."""
    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)
    return run


def fresh(user: User) -> User:
    """The user as the next request loads them (Django keeps permissions on the object)."""
    return User.objects.get(pk=user.pk)


def asks(user: User, perm: str) -> tuple[bool, int]:
    with CaptureQueriesContext(connection) as ctx:
        answer = user.has_perm(perm)
    return answer, len(ctx.captured_queries)


def test_a_users_permissions_are_read_once_per_process(committed):
    manager = committed(user_with_role, Role.MANAGER)
    assert fresh(manager).has_perm("analytics.view_analytics")
    answer, queries = asks(fresh(manager), "analytics.view_analytics")
    assert answer and queries == 0  # outside a request: the stamp from the (local-memory) cache
    answer, queries = asks(fresh(manager), "booking.no_such_permission")
    assert not answer and queries == 0


def test_joining_or_leaving_a_group_changes_the_answer_at_once(committed):
    user = user_with_role(Role.PATIENT)
    assert not fresh(user).has_perm("analytics.view_analytics")
    managers = Group.objects.get(name=Role.MANAGER)
    committed(user.groups.add, managers)
    assert fresh(user).has_perm("analytics.view_analytics")
    committed(user.groups.remove, managers)
    assert not fresh(user).has_perm("analytics.view_analytics")


def test_a_groups_or_a_users_own_permissions_changing_changes_the_answer(committed):
    user = user_with_role(Role.RECEPTION)
    permission = Permission.objects.get(codename="view_analytics", content_type__app_label="analytics")
    assert not fresh(user).has_perm("analytics.view_analytics")
    reception = Group.objects.get(name=Role.RECEPTION)
    committed(reception.permissions.add, permission)
    assert fresh(user).has_perm("analytics.view_analytics")
    committed(reception.permissions.remove, permission)
    assert not fresh(user).has_perm("analytics.view_analytics")
    committed(user.user_permissions.add, permission)
    assert fresh(user).has_perm("analytics.view_analytics")


def test_an_inactive_user_has_no_permissions_even_if_they_were_kept():
    manager = user_with_role(Role.MANAGER)
    assert fresh(manager).has_perm("analytics.view_analytics")
    User.objects.filter(pk=manager.pk).update(is_active=False)
    assert not fresh(manager).has_perm("analytics.view_analytics")


def test_a_new_guardian_gets_the_dependants_switch(committed):
    guardian = committed(user_with_role, Role.PATIENT)
    child = committed(user_with_role, Role.PATIENT)
    assert proxy.dependants_for(user=guardian) == []
    with CaptureQueriesContext(connection) as ctx:
        assert proxy.dependants_for(user=fresh(guardian)) == []
    assert not any("accounts_proxyaccess" in q["sql"] for q in ctx.captured_queries)
    link = committed(ProxyAccess.objects.create, guardian=guardian, dependant=child,
                     relationship=ProxyAccess.Relationship.ADULT)
    assert [found.pk for found in proxy.dependants_for(user=fresh(guardian))] == [link.pk]


def test_roles_are_kept_with_the_permissions_and_follow_a_change_of_groups(committed):
    from portal.accounts.permissions import roles_of

    user = committed(user_with_role, Role.PATIENT)
    assert roles_of(fresh(user)) == {Role.PATIENT}
    with CaptureQueriesContext(connection) as ctx:
        assert roles_of(fresh(user)) == {Role.PATIENT}
    assert len(ctx.captured_queries) == 1  # loading the user; not their groups
    committed(user.groups.add, Group.objects.get(name=Role.RECEPTION))
    assert roles_of(fresh(user)) == {Role.PATIENT, Role.RECEPTION}
