"""The pricing page's estimator: scheme, plan and scan -> the quote; bad input -> a clear message."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _get(client, site_tree, htmx=False, **params):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(site_tree["pricing"].url, params, headers=headers)


def test_the_estimate_for_a_plan_with_a_cap_and_co_payment(client, site_tree):
    plan = site_tree["plan"]
    response = _get(client, site_tree, scheme=plan.scheme_id, plan=plan.pk, scan="mri-knee")
    body = response.content.decode()
    assert response.status_code == 200
    # 70% of 420 = 294 (under the 300 cap); the patient pays 106 shortfall + 20 co-payment
    assert "USD 294.00" in body and "USD 106.00" in body and 'data-testid="patient-pays">USD 126.00' in body


def test_self_pay_pays_the_full_price(client, site_tree):
    body = _get(client, site_tree, scheme="", plan="", scan="xr-chest").content.decode()
    assert 'data-testid="patient-pays">USD 35.00' in body


def test_htmx_gets_only_the_result(client, site_tree):
    plan = site_tree["plan"]
    response = _get(client, site_tree, htmx=True, scheme=plan.scheme_id, plan=plan.pk, scan="xr-chest")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="estimate-result"')
    assert "<html" not in body
    assert 'data-testid="patient-pays">USD 0.00' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scheme": "", "plan": "999999", "scan": "xr-chest"}, "We don&#x27;t know that medical-aid plan"),
        ({"scheme": "", "plan": "abc", "scan": "xr-chest"}, "We don&#x27;t know that medical-aid plan"),
        ({"scheme": "424242", "plan": "", "scan": "xr-chest"}, "We don&#x27;t know that medical aid"),
        ({"scheme": "", "plan": "", "scan": "no-such-scan"}, "That scan is not on our price list"),
        ({"scheme": "", "plan": "", "scan": ""}, "Choose the scan you need."),
    ],
)
def test_unknown_plan_scheme_or_scan_gives_a_clear_message(client, site_tree, params, message):
    for htmx in (False, True):
        response = _get(client, site_tree, htmx=htmx, **params)
        assert response.status_code == 200
        assert message in response.content.decode()


def test_a_plan_of_another_scheme_is_refused(client, site_tree):
    from portal.catalogue.tests.factories import MedicalAidSchemeFactory

    other = MedicalAidSchemeFactory(name="Other Health")
    plan = site_tree["plan"]
    body = _get(client, site_tree, scheme=other.pk, plan=plan.pk, scan="xr-chest").content.decode()
    assert "That plan does not belong to the medical aid you chose." in body


def test_a_scheme_without_a_plan_asks_for_the_plan(client, site_tree):
    plan = site_tree["plan"]
    body = _get(client, site_tree, scheme=plan.scheme_id, plan="", scan="xr-chest").content.decode()
    assert "Choose your plan" in body


def test_a_plan_without_a_rule_for_the_scan_pays_nothing(client, site_tree):
    from portal.catalogue.tests.factories import ScanTypeFactory

    ScanTypeFactory(code="us-abdomen", name="Abdominal ultrasound", modality="us")
    plan = site_tree["plan"]
    body = _get(client, site_tree, scheme=plan.scheme_id, plan=plan.pk, scan="us-abdomen").content.decode()
    assert "Your plan has no cover for this scan" in body
