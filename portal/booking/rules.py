"""Who may do what with appointments (registered with portal.accounts.permissions)."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import has_role, is_clinical_staff, is_patient, rule
from portal.accounts.roles import Role

# Staff actions on the worklist and the roles that may take them.
STAFF_ACTIONS: dict[str, frozenset[str]] = {
    "confirm": frozenset({Role.RECEPTION, Role.MANAGER}),
    "check_in": frozenset({Role.RECEPTION, Role.RADIOGRAPHER, Role.MANAGER}),
    "complete": frozenset({Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER}),
    "no_show": frozenset({Role.RECEPTION, Role.MANAGER}),
    "cancel": frozenset({Role.RECEPTION, Role.MANAGER}),
    "move": frozenset({Role.RECEPTION, Role.MANAGER}),
    "review": frozenset({Role.RADIOLOGIST}),
}
WORKLIST_ROLES = frozenset({Role.RECEPTION, Role.RADIOGRAPHER, Role.RADIOLOGIST, Role.MANAGER})
BOOK_FOR_PATIENT_ROLES = frozenset({Role.RECEPTION, Role.MANAGER})


@rule("booking.view_appointment")
def _view_appointment(user: Any, appointment: Any) -> bool:
    if appointment is None:
        return False
    return appointment.patient_id == user.pk or is_clinical_staff(user)


@rule("booking.book")
def _book(user: Any, obj: Any) -> bool:
    return is_patient(user)


@rule("booking.book_for_patient")
def _book_for_patient(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, *BOOK_FOR_PATIENT_ROLES)


@rule("booking.view_worklist")
def _view_worklist(user: Any, obj: Any) -> bool:
    return user.is_superuser or has_role(user, *WORKLIST_ROLES)


def _staff_action(action: str):
    def predicate(user: Any, obj: Any) -> bool:
        return user.is_superuser or has_role(user, *STAFF_ACTIONS[action])

    return predicate


for _action in STAFF_ACTIONS:
    rule(f"booking.{_action}_appointment")(_staff_action(_action))


@rule("booking.change_own_appointment")
def _change_own(user: Any, appointment: Any) -> bool:
    """The patient's own cancel/reschedule (the cutoff is checked separately, with a message)."""
    return appointment is not None and appointment.patient_id == user.pk
