"""Demo users, one per role. Their passwords are printed only when DEBUG is on."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from portal.accounts.models import ReferringDoctor, User
from portal.accounts.roles import Role
from portal.accounts.services import user_complete_signup, user_set_roles

DEMO_PASSWORD = "Radiology-demo-2026"  # noqa: S105 - demo only, printed with DEBUG

DEMO_USERS = [
    # email, first, last, role
    ("patient@demo.test", "Tendai", "Moyo", Role.PATIENT),
    ("patient2@demo.test", "Rudo", "Ncube", Role.PATIENT),
    ("doctor@demo.test", "Farai", "Chikwanha", Role.REFERRING_DOCTOR),
    ("reception@demo.test", "Chipo", "Dube", Role.RECEPTION),
    ("radiographer@demo.test", "Tatenda", "Sibanda", Role.RADIOGRAPHER),
    ("radiologist@demo.test", "Nyasha", "Mutasa", Role.RADIOLOGIST),
    ("manager@demo.test", "Kuda", "Marufu", Role.MANAGER),
    ("marketing@demo.test", "Vimbai", "Zhou", Role.MARKETING_EDITOR),
]
DEMO_ADMIN = ("admin@demo.test", "Site", "Administrator")


@transaction.atomic
def _demo_user(email: str, first: str, last: str, role: str | None, *, superuser: bool = False) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        if superuser:
            user = User.objects.create_superuser(email, DEMO_PASSWORD, first_name=first, last_name=last)
        else:
            user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if role in (Role.PATIENT, Role.REFERRING_DOCTOR):
        if created:
            user_complete_signup(
                user=user, role=role, first_name=first, last_name=last, phone="+263771234567",
                date_of_birth=dt.date(1985, 4, 12),
                practice_number="MP-DEMO-001" if role == Role.REFERRING_DOCTOR else "",
                practice_name="Avenues Family Practice" if role == Role.REFERRING_DOCTOR else "",
            )
        if role == Role.REFERRING_DOCTOR:
            ReferringDoctor.objects.filter(user=user, verified_at__isnull=True).update(verified_at=user.date_joined)
    elif role:
        user_set_roles(user=user, roles=[role])
    return user, created


def seed(*, stdout, style, options) -> None:
    rows = []
    for email, first, last, role in DEMO_USERS:
        _, created = _demo_user(email, first, last, role)
        rows.append((role, email, created))
    _, created = _demo_user(*DEMO_ADMIN, None, superuser=True)
    rows.append(("Administrator", DEMO_ADMIN[0], created))
    made = sum(1 for *_, c in rows if c)
    stdout.write(f"  users: {made} created, {len(rows) - made} already there")
    if settings.DEBUG:
        stdout.write(style.WARNING(f"  demo logins (password for all: {DEMO_PASSWORD}):"))
        for role, email, _ in rows:
            stdout.write(f"    {role:<18} {email}")
        if settings.STAFF_MFA_REQUIRED:
            stdout.write("  staff accounts will be asked to set up two-factor authentication at first sign-in.")
