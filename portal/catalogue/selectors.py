"""Reads of the catalogue (public data: no user scoping needed)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from portal.catalogue.models import CoverRule, MedicalAidScheme, Plan, ScanType
from portal.catalogue.pricing import Cover, Quote, quote


def scan_type_list_bookable() -> QuerySet[ScanType]:
    return ScanType.objects.bookable().order_by("modality", "name")


def scan_type_get_bookable(*, code: str) -> ScanType:
    scan = ScanType.objects.bookable().filter(code=code).first()
    if scan is None:
        raise Http404("No such scan.")
    return scan


def scheme_list_active() -> QuerySet[MedicalAidScheme]:
    plans = Plan.objects.filter(active=True).prefetch_related("cover_rules")
    return MedicalAidScheme.objects.filter(active=True).prefetch_related(Prefetch("plans", queryset=plans))


def plan_get_active(*, pk: int) -> Plan:
    plan = Plan.objects.filter(pk=pk, active=True, scheme__active=True).select_related("scheme").first()
    if plan is None:
        raise Http404("No such medical-aid plan.")
    return plan


def cover_for(*, plan: Plan | None, scan_type: ScanType) -> Cover | None:
    if plan is None:
        return None
    rule: CoverRule | None = plan.rule_for(scan_type)
    if rule is None:
        return None
    return Cover(percent_covered=rule.percent_covered, tariff_cap=rule.tariff_cap, co_payment=rule.co_payment)


def quote_for(*, scan_type: ScanType, plan: Plan | None) -> Quote:
    """The quote for a scan at its live price under a plan (None: self-pay)."""
    return quote(scan_type.price, cover_for(plan=plan, scan_type=scan_type))
