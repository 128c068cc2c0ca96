"""Who may do what with appointments (registered with portal.accounts.permissions).

Staff actions answer from Django permissions on Appointment (its Meta lists them; migration 0009
gives them to the roles); a superuser has every permission. The patient's own view and change stay
object rules."""

from __future__ import annotations

from typing import Any

from portal.accounts.permissions import is_clinical_staff, is_patient, rule

# The staff's actions on the worklist: rule "booking.<action>_appointment" asks the permission of
# the same name.
STAFF_ACTIONS: tuple[str, ...] = ("confirm", "check_in", "complete", "no_show", "cancel", "move", "review")


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
    return user.has_perm("booking.book_for_patient")


@rule("booking.view_worklist")
def _view_worklist(user: Any, obj: Any) -> bool:
    return user.has_perm("booking.view_worklist")


def _staff_action(action: str):
    permission = f"booking.{action}_appointment"

    def predicate(user: Any, obj: Any) -> bool:
        return user.has_perm(permission)

    return predicate


for _action in STAFF_ACTIONS:
    rule(f"booking.{_action}_appointment")(_staff_action(_action))


@rule("booking.change_own_appointment")
def _change_own(user: Any, appointment: Any) -> bool:
    """The patient's own cancel/reschedule (the cutoff is checked separately, with a message), or a
    dependant's by a guardian who may act for them today (a text reply "cancel" from the guardian's
    phone; on the web a guardian acts as the dependant, so there it is the patient's own)."""
    if appointment is None:
        return False
    if appointment.patient_id == user.pk:
        return True
    from portal.accounts.proxy import dependants_for

    return any(link.dependant_id == appointment.patient_id for link in dependants_for(user=user))
