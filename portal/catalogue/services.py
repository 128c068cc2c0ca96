"""Writes to the catalogue outside the Wagtail admin (the demo seed, imports).

In the admin, Wagtail's snippet views do these writes (drafts, workflow, publish). Here a scan type is
published through a revision too, so its history shows who set each price and when.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from portal.catalogue.models import CoverRule, MedicalAidScheme, Plan, ScanType

SCAN_TYPE_FIELDS = (
    "name", "modality", "body_part", "duration_minutes", "price", "preparation", "needs_referral",
    "mri_safety_screening", "uses_contrast", "pregnancy_check", "bookable_online", "tariff_code",
)


@transaction.atomic
def scan_type_publish(*, code: str, user: Any = None, **fields: Any) -> tuple[ScanType, bool]:
    """Create or update the scan type `code` with `fields` and publish it as a new revision.

    Returns (scan type, changed). Nothing is written when the live scan type already has these values.
    """
    unknown = set(fields) - set(SCAN_TYPE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scan type fields: {', '.join(sorted(unknown))}")
    scan = ScanType.objects.filter(code=code).first()
    created = scan is None
    if created:
        scan = ScanType(code=code, live=False)
    changed = created or not scan.live or any(getattr(scan, name) != value for name, value in fields.items())
    if not changed:
        return scan, False
    for name, value in fields.items():
        setattr(scan, name, value)
    scan.full_clean()
    if created:
        scan.save()
    revision = scan.save_revision(user=user, log_action=True)
    revision.publish(user=user)
    scan.refresh_from_db()
    return scan, True


@transaction.atomic
def scheme_upsert(
    *, name: str, short_name: str = "", website: str = "", claims_phone: str = "", active: bool = True
) -> MedicalAidScheme:
    scheme = MedicalAidScheme.objects.filter(name=name).first() or MedicalAidScheme(name=name)
    scheme.short_name, scheme.website, scheme.claims_phone, scheme.active = short_name, website, claims_phone, active
    scheme.full_clean()
    scheme.save()
    return scheme


@transaction.atomic
def plan_set_rules(*, scheme: MedicalAidScheme, name: str, rules: list[dict[str, Any]], active: bool = True) -> Plan:
    """Create or update a plan and replace its cover rules with `rules`.

    Each rule: {"modality": ..., or "scan_type": ScanType, "percent_covered": .., "tariff_cap": .., "co_payment": ..}.
    """
    plan = Plan.objects.filter(scheme=scheme, name=name).first() or Plan(scheme=scheme, name=name)
    plan.active = active
    plan.full_clean()
    plan.save()
    wanted = [
        CoverRule(
            plan=plan,
            modality=data.get("modality", ""),
            scan_type=data.get("scan_type"),
            percent_covered=Decimal(data["percent_covered"]),
            tariff_cap=Decimal(data["tariff_cap"]) if data.get("tariff_cap") is not None else None,
            co_payment=Decimal(data.get("co_payment", "0")),
        )
        for data in rules
    ]

    def terms(rule: CoverRule) -> tuple:
        return (rule.modality, rule.scan_type_id or 0, rule.percent_covered, rule.tariff_cap or -1, rule.co_payment)

    if sorted(map(terms, plan.cover_rules.all())) == sorted(map(terms, wanted)):
        return plan
    plan.cover_rules.all().delete()
    for rule in wanted:
        rule.full_clean()
        rule.save()
    return plan
