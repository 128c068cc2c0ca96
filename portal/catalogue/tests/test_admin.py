"""The catalogue in the Wagtail admin: bad input refused with a message, the approval workflow, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry, Revision, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, querydict_from_html, rich_text

from portal.catalogue.models import MedicalAidScheme, Plan, ScanType
from portal.catalogue.tests.factories import PlanFactory, ScanTypeFactory

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_catalogue_scantype:add"
EDIT = "wagtailsnippets_catalogue_scantype:edit"


def _scan_form(**overrides):
    data = {
        "name": "CT sinuses",
        "code": "ct-sinuses",
        "modality": "ct",
        "body_part": "Sinuses",
        "price": "150.00",
        "duration_minutes": "20",
        "preparation": rich_text("<p>None.</p>"),
        "bookable_online": "on",
    }
    data.update(overrides)
    return data


def _edit_form(client, scan: ScanType, **changes):
    html = client.get(reverse(EDIT, args=[scan.pk])).content.decode()
    data = querydict_from_html(html, form_id="w-editor-form")
    for name, value in changes.items():
        data[name] = value
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "0", "The price must be more than zero."),
        ("price", "-5", "The price must be more than zero."),
        ("duration_minutes", "0", "A scan takes at least 5 minutes"),
        ("duration_minutes", "-10", "A scan takes at least 5 minutes"),
    ],
)
def test_bad_price_or_duration_is_refused_with_a_message(manager_client, field, value, message):
    response = manager_client.post(reverse(ADD), _scan_form(**{field: value, "action-publish": "1"}))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "could not be created due to errors" in content
    assert not ScanType.objects.filter(code="ct-sinuses").exists()


def test_duplicate_code_is_refused_with_a_message(manager_client):
    ScanTypeFactory(code="ct-sinuses")
    response = manager_client.post(reverse(ADD), _scan_form(code="CT-Sinuses", **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "Another scan type already uses this code" in response.content.decode()
    assert ScanType.objects.filter(code="ct-sinuses").count() == 1


def test_good_scan_type_is_created_by_a_manager(manager_client):
    response = manager_client.post(reverse(ADD), _scan_form(**{"action-publish": "1"}))
    assert response.status_code == 302
    scan = ScanType.objects.get(code="ct-sinuses")
    assert scan.live and scan.price == Decimal("150.00")


@pytest.mark.parametrize("percent", ["-1", "100.01", "150"])
def test_cover_percent_outside_0_to_100_is_refused_with_a_message(manager_client, percent):
    plan = PlanFactory(name="Classic")
    data = nested_form_data({
        "scheme": plan.scheme_id,
        "name": "Classic",
        "active": "on",
        "cover_rules": inline_formset([
            {"modality": "xray", "scan_type": "", "percent_covered": percent, "tariff_cap": "", "co_payment": "0"},
        ]),
    })
    response = manager_client.post(reverse("wagtailsnippets_catalogue_plan:edit", args=[plan.pk]), data)
    assert response.status_code == 200
    assert "Cover is a percentage: enter a number from 0 to 100." in response.content.decode()
    assert not plan.cover_rules.exists()


def test_a_valid_cover_rule_is_saved(manager_client):
    plan = PlanFactory(name="Classic")
    data = nested_form_data({
        "scheme": plan.scheme_id, "name": "Classic", "active": "on",
        "cover_rules": inline_formset([
            {"modality": "xray", "scan_type": "", "percent_covered": "80", "tariff_cap": "", "co_payment": "5"},
        ]),
    })
    response = manager_client.post(reverse("wagtailsnippets_catalogue_plan:edit", args=[plan.pk]), data)
    assert response.status_code == 302
    assert plan.cover_rules.get().percent_covered == Decimal("80")


def test_a_scheme_with_its_plans_is_created_in_the_admin(marketing_client):
    data = nested_form_data({
        "name": "Test Health", "short_name": "TH", "website": "", "claims_phone": "", "active": "on",
        "plans": inline_formset([{"name": "Gold", "active": "on"}]),
    })
    response = marketing_client.post(reverse("wagtailsnippets_catalogue_medicalaidscheme:add"), data)
    assert response.status_code == 302
    assert Plan.objects.get(scheme=MedicalAidScheme.objects.get(name="Test Health")).name == "Gold"


def test_a_marketing_editor_cannot_publish_a_scan_type(marketing_client):
    scan = ScanTypeFactory(price=Decimal("100.00"))
    response = marketing_client.post(
        reverse(EDIT, args=[scan.pk]), _edit_form(marketing_client, scan, price="90.00", **{"action-publish": "1"})
    )
    scan.refresh_from_db()
    assert scan.price == Decimal("100.00")
    assert response.status_code in (200, 302, 403)


def test_a_price_change_by_a_marketing_editor_waits_for_manager_approval(marketing_client, manager_client):
    scan = ScanTypeFactory(price=Decimal("100.00"))
    scan.save_revision().publish()

    response = marketing_client.post(
        reverse(EDIT, args=[scan.pk]), _edit_form(marketing_client, scan, price="125.00", **{"action-submit": "1"})
    )
    assert response.status_code == 302
    scan.refresh_from_db()
    assert scan.price == Decimal("100.00")  # live price unchanged while in moderation
    state = WorkflowState.objects.get(base_content_type__model="scantype", object_id=str(scan.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Catalogue changes"
    assert state.requested_by == marketing_client.user

    # the marketing editor cannot approve their own change
    data = _edit_form(marketing_client, scan)
    data["action-workflow-action"] = "1"
    data["workflow-action-name"] = "approve"
    marketing_client.post(reverse(EDIT, args=[scan.pk]), data)
    scan.refresh_from_db()
    state.refresh_from_db()
    assert scan.price == Decimal("100.00")
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    # the manager approves: the new price goes live
    data = _edit_form(manager_client, scan)
    data["action-workflow-action"] = "1"
    data["workflow-action-name"] = "approve"
    response = manager_client.post(reverse(EDIT, args=[scan.pk]), data)
    assert response.status_code == 302
    scan.refresh_from_db()
    assert scan.price == Decimal("125.00")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_history_shows_who_changed_the_price(manager_client):
    scan = ScanTypeFactory(price=Decimal("100.00"))
    response = manager_client.post(
        reverse(EDIT, args=[scan.pk]), _edit_form(manager_client, scan, price="110.00", **{"action-publish": "1"})
    )
    assert response.status_code == 302
    revision = Revision.objects.for_instance(scan).latest("created_at")
    assert revision.user == manager_client.user
    assert revision.content["price"] == "110.00"
    assert ModelLogEntry.objects.filter(action="wagtail.publish", user=manager_client.user,
                                        object_id=str(scan.pk)).exists()
    history = manager_client.get(reverse("wagtailsnippets_catalogue_scantype:history", args=[scan.pk]))
    assert history.status_code == 200
    assert manager_client.user.get_full_name() in history.content.decode() or \
        manager_client.user.email in history.content.decode()
