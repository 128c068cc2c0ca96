"""The catalogue router (public): scan types, medical aids and the quote."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from portal.catalogue import selectors
from portal.catalogue.models import ScanType
from portal.core.api import Money, Page, ProblemOut, money

router = Router(tags=["catalogue"], auth=None)


class ScanTypeOut(Schema):
    code: str
    name: str
    modality: str
    body_part: str
    duration_minutes: int
    price: Money
    preparation_html: str
    needs_referral: bool
    screening_kinds: list[str]
    bookable_online: bool


def scan_type_out(scan: ScanType) -> dict:
    return {
        "code": scan.code, "name": scan.name, "modality": scan.modality, "body_part": scan.body_part,
        "duration_minutes": scan.duration_minutes, "price": money(scan.price),
        "preparation_html": str(scan.preparation or ""), "needs_referral": scan.needs_referral,
        "screening_kinds": scan.screening_kinds, "bookable_online": scan.bookable_online,
    }


@router.get("/scan-types", response=list[ScanTypeOut], summary="Scans that can be booked online")
@paginate(Page)
def scan_type_list(request: HttpRequest):
    return [scan_type_out(s) for s in selectors.scan_type_list_bookable()]


@router.get("/scan-types/{code}", response={200: ScanTypeOut, 404: ProblemOut}, summary="One scan type")
def scan_type_detail(request: HttpRequest, code: str):
    return scan_type_out(selectors.scan_type_get_bookable(code=code))


class PlanOut(Schema):
    id: int
    name: str


class SchemeOut(Schema):
    id: int
    name: str
    short_name: str
    plans: list[PlanOut]


@router.get("/medical-aids", response=list[SchemeOut], summary="Medical-aid schemes and their plans")
def scheme_list(request: HttpRequest):
    return [
        {"id": s.pk, "name": s.name, "short_name": s.short_name,
         "plans": [{"id": p.pk, "name": p.name} for p in s.plans.all()]}
        for s in selectors.scheme_list_active()
    ]


class QuoteQuery(Schema):
    scan_type: str = Field(..., max_length=50, description="Scan type code")
    plan_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Medical-aid plan; none for self-pay")


class QuoteOut(Schema):
    scan_type: str
    plan_id: int | None
    self_pay: bool
    total: Money
    covered: Money
    shortfall: Money
    co_payment: Money
    patient_pays: Money


@router.get("/quote", response={200: QuoteOut, 404: ProblemOut}, summary="What the aid pays and what you pay")
def quote(request: HttpRequest, query: Query[QuoteQuery]):
    scan = selectors.scan_type_get_bookable(code=query.scan_type)
    plan = selectors.plan_get_active(pk=query.plan_id) if query.plan_id else None
    q = selectors.quote_for(scan_type=scan, plan=plan)
    return {
        "scan_type": scan.code, "plan_id": plan.pk if plan else None, "self_pay": q.self_pay,
        "total": money(q.total), "covered": money(q.covered), "shortfall": money(q.shortfall),
        "co_payment": money(q.co_payment), "patient_pays": money(q.patient_pays),
    }
