"""The public catalogue API: scan types, medical aids, the quote (money as strings + currency)."""

from __future__ import annotations

import json

import pytest

from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import CoverRuleFactory, ScanTypeFactory

pytestmark = pytest.mark.django_db


def test_scan_types_are_public_and_paginated(client):
    ScanTypeFactory(code="xr-a", name="A", price="100.00")
    ScanTypeFactory(code="xr-b", name="B", bookable_online=False)
    body = client.get("/api/v1/scan-types").json()
    assert body["count"] == 1
    assert body["items"][0]["price"] == {"amount": "100.00", "currency": "USD"}


def test_unknown_scan_type_is_404_problem(client):
    response = client.get("/api/v1/scan-types/nope")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


def test_quote_under_a_plan_splits_the_price(client):
    scan = ScanTypeFactory(code="xr-q", modality=Modality.XRAY, price="100.00")
    rule = CoverRuleFactory(modality=Modality.XRAY, percent_covered="80", co_payment="5.00")
    body = client.get(f"/api/v1/quote?scan_type={scan.code}&plan_id={rule.plan_id}").json()
    assert body["covered"] == {"amount": "80.00", "currency": "USD"}
    assert body["patient_pays"] == {"amount": "20.00", "currency": "USD"}
    assert body["self_pay"] is False


def test_quote_self_pay(client):
    scan = ScanTypeFactory(code="xr-s", price="60.00")
    body = client.get(f"/api/v1/quote?scan_type={scan.code}").json()
    assert body["patient_pays"] == {"amount": "60.00", "currency": "USD"} and body["self_pay"] is True


def test_quote_with_a_wrong_type_is_422_problem(client):
    response = client.get("/api/v1/quote?scan_type=x&plan_id=abc")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "plan_id" in response.json()["detail"]


def test_medical_aids_list_active_plans(client):
    rule = CoverRuleFactory(modality=Modality.XRAY, percent_covered="50")
    body = client.get("/api/v1/medical-aids").json()
    assert body[0]["plans"] == [{"id": rule.plan_id, "name": rule.plan.name}]


def test_practice_details(client):
    body = client.get("/api/v1/practice").json()
    assert body["time_zone"] == "Africa/Harare" and body["currency"] == "USD"


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


def test_openapi_document_and_docs_page_from_the_package(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=_no_duplicate_keys)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/appointments" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
