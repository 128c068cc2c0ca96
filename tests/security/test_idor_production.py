"""Issue 13, production-mode re-run: with DEBUG off, no patient-data URL that takes an object id opens
another patient's appointment, referral or report. Every route in AUDIT_NAMESPACES with one integer
id is requested by an unrelated patient with each of the other patient's object ids; none answers
200. The count of requests checked is printed (run with -s) and asserted, for the lead to quote.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.reports.tests.factories import referral_for, signed_report, verified_doctor

REFUSED = {302, 400, 403, 404, 405}


def _routes(resolver=None, namespaces=()):
    """(view_name, kwarg) for every URL with exactly one int kwarg, under an audited namespace."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, (*namespaces, entry.namespace) if entry.namespace else namespaces)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            ints = [k for k, c in converters.items() if type(c).__name__ == "IntConverter"]
            if len(ints) == 1 and len(converters) == 1 and set(namespaces) & set(django_settings.AUDIT_NAMESPACES):
                yield ":".join((*namespaces, entry.name)), ints[0]


@pytest.mark.django_db
def test_with_debug_off_no_audited_url_opens_another_patients_objects(client, settings):
    settings.DEBUG = False
    report = signed_report()
    appointment = report.appointment
    referral = referral_for(appointment=appointment, doctor_user=verified_doctor())
    owned_ids = sorted({appointment.pk, referral.pk, report.pk})  # often one id: each object has it
    stranger = user_with_role(Role.PATIENT)
    client.force_login(stranger)
    routes = sorted(set(_routes()))
    checked, opened = 0, []
    for view_name, kwarg in routes:
        for pk in owned_ids:
            path = reverse(view_name, kwargs={kwarg: pk})
            status = client.get(path).status_code
            checked += 1
            if status not in REFUSED:
                opened.append((path, status))
    print(f"IDOR (DEBUG off): {checked} requests checked over {len(routes)} routes, {len(opened)} opened")
    assert opened == []
    assert len(routes) >= 10 and checked == len(routes) * len(owned_ids)
