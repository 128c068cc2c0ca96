from __future__ import annotations

from decimal import Decimal

import factory

from portal.catalogue.models import CoverRule, MedicalAidScheme, Modality, Plan, ScanType


class ScanTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScanType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"scan-{n}")
    name = factory.Sequence(lambda n: f"Scan {n}")
    modality = Modality.XRAY
    body_part = "Chest"
    duration_minutes = 15
    price = Decimal("100.00")
    preparation = "<p>No preparation needed.</p>"
    live = True
    bookable_online = True


class MedicalAidSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicalAidScheme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Scheme {n}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    scheme = factory.SubFactory(MedicalAidSchemeFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")


class CoverRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoverRule

    plan = factory.SubFactory(PlanFactory)
    modality = Modality.XRAY
    scan_type = None
    percent_covered = Decimal("80")
    tariff_cap = None
    co_payment = Decimal("0")
