"""Who may see images. Asked through portal.accounts.permissions.can().

Clinical staff with the `imaging.view_study` permission see every study (the unmatched ones too,
to reconcile them). Anyone else sees a linked study only through a grant: apps above imaging add
one with `image_grant` (reports adds "whoever may read the appointment's report", so the patient
sees images from the report's release and the referring doctor from its signature).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.accounts.permissions import rule

Grant = Callable[[Any, Any], bool]  # (user, appointment) -> may see its images
_grants: list[Grant] = []


def image_grant(grant: Grant) -> Grant:
    if grant not in _grants:
        _grants.append(grant)
    return grant


def may_reconcile(user: Any) -> bool:
    return user.has_perm("imaging.reconcile_study")


@rule("imaging.view_study")
def _view_study(user: Any, study: Any) -> bool:
    if study is None:
        return False
    if user.has_perm("imaging.view_study"):
        return True
    if study.status != "linked" or study.appointment_id is None:
        return False
    return any(grant(user, study.appointment) for grant in _grants)


@rule("imaging.reconcile")
def _reconcile(user: Any, obj: Any) -> bool:
    return may_reconcile(user)
