"""Django's ModelBackend, with each user's permission codes (and group names) kept per process (issue 22).

Every signed-in page asks permissions (its menu, its rules), and Django loads them for each request:
two queries joining permissions, groups and content types. Here the codes a user has from their own
permissions and from their groups are kept in a `ProcessMemo`, renewed everywhere when any user's
groups or permissions, a group's permissions, a group or a permission change (signals connected in
`connect`). Inactive users, anonymous users and object permissions answer as Django's do; a
superuser's "every permission" is read as Django reads it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save

from portal.core.process_memo import ProcessMemo


def _load(user_id: int, kind: str, *, user: Any, backend: ModelBackend | None = None) -> frozenset[str]:
    if kind == "roles":
        return frozenset(user.groups.values_list("name", flat=True))
    return frozenset(ModelBackend._get_permissions(backend, user, None, kind))


_memo: ProcessMemo[frozenset[str]] = ProcessMemo("permissions", _load)


def group_names(user: Any) -> frozenset[str]:
    """The names of the user's groups (their roles: `permissions.roles_of`), kept with the permissions."""
    return _memo.get(user.pk, "roles", user=user)


class CachedPermissionsBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super()._get_permissions(user_obj, obj, from_name)
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):  # once per request, as Django keeps it on the user
            setattr(user_obj, cache_name, _memo.get(user_obj.pk, from_name, user=user_obj, backend=self))
        return getattr(user_obj, cache_name)


def forget() -> None:
    _memo.forget()


def connect() -> None:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_memo.changed, sender=through, dispatch_uid=f"accounts.permissions.{through.__name__}")
    for model in (Group, Permission):
        post_save.connect(_memo.changed, sender=model, dispatch_uid=f"accounts.permissions.save.{model.__name__}")
        post_delete.connect(_memo.changed, sender=model, dispatch_uid=f"accounts.permissions.delete.{model.__name__}")
