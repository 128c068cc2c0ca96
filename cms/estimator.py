"""The pricing page's estimator: scheme, plan and scan in; the quote (or a clear message) out.

Read-only, so a GET form: it works without JavaScript and the result can be cached like the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from portal.catalogue.models import ScanType
from portal.catalogue.selectors import quote_for, scheme_list_active

SELF_PAY = ""


class EstimateForm(forms.Form):
    scheme = forms.ChoiceField(
        label="Medical aid", required=False,
        error_messages={"invalid_choice": "We don't know that medical aid. Choose one from the list."},
    )
    plan = forms.ChoiceField(
        label="Plan", required=False,
        error_messages={"invalid_choice": "We don't know that medical-aid plan. Choose one from the list."},
    )
    scan = forms.ChoiceField(
        label="Scan",
        error_messages={
            "required": "Choose the scan you need.",
            "invalid_choice": "That scan is not on our price list. Choose one from the list.",
        },
    )

    def __init__(self, *args: Any, scans: Iterable[ScanType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schemes = list(scheme_list_active())
        self.scans = {scan.code: scan for scan in scans}
        self.plans = {str(plan.pk): plan for scheme in self.schemes for plan in scheme.plans.all()}
        self.fields["scheme"].choices = [(SELF_PAY, "No medical aid (self-pay)")] + [
            (str(scheme.pk), scheme.name) for scheme in self.schemes
        ]
        self.fields["plan"].choices = [(SELF_PAY, "—")] + [
            (scheme.name, [(str(plan.pk), plan.name) for plan in scheme.plans.all()])
            for scheme in self.schemes
        ]
        self.fields["scan"].choices = [(SELF_PAY, "Choose a scan")] + [
            (scan.code, scan.name) for scan in self.scans.values()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scheme, plan_id = data.get("scheme"), data.get("plan")
        if "scheme" in self.errors or "plan" in self.errors:
            return data
        plan = self.plans.get(plan_id) if plan_id else None
        if scheme and plan is None:
            self.add_error("plan", "Choose your plan, or choose “No medical aid”.")
        elif plan is not None and str(plan.scheme_id) != scheme:
            self.add_error("plan", "That plan does not belong to the medical aid you chose.")
        data["plan_obj"] = plan
        data["scan_obj"] = self.scans.get(data.get("scan") or "")
        return data


def estimate_from(params: Mapping[str, str], *, scans: Iterable[ScanType]) -> dict[str, Any]:
    """The estimator's context for the query string `params`.

    No "scan" in the query: an empty form. Otherwise the validated form and, when valid, the quote.
    """
    submitted = "scan" in params
    form = EstimateForm(params if submitted else None, scans=scans)
    estimate = None
    if submitted and form.is_valid():
        scan, plan = form.cleaned_data["scan_obj"], form.cleaned_data["plan_obj"]
        estimate = {"scan": scan, "plan": plan, "quote": quote_for(scan_type=scan, plan=plan)}
    return {"estimate_form": form, "estimate": estimate, "estimate_submitted": submitted}
