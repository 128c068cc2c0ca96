"""Give roles their permissions from data migrations (each app grants for its own models).

Permissions are normally created after `migrate` finishes; `grant` creates the ones it needs first,
so a migration can hand them to a group straight away.
"""

from __future__ import annotations

from collections.abc import Iterable


def grant(apps, role: str, permissions: Iterable[str]) -> None:
    """Give `role` each "app_label.codename" permission, creating the group if needed."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=role)
    wanted = [p.split(".", 1) for p in permissions]
    for label in {label for label, _ in wanted}:
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    for label, codename in wanted:
        group.permissions.add(Permission.objects.get(content_type__app_label=label, codename=codename))


def revoke(apps, role: str, permissions: Iterable[str]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=role).first()
    if group is None:
        return
    for perm in permissions:
        label, codename = perm.split(".", 1)
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=label, codename=codename))
