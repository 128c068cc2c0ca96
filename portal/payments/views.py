"""Thin views: validate, call one service, say what happened, redirect."""

from __future__ import annotations

import datetime as dt
import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.accounts.permissions import can
from portal.core.practice import practice_details
from portal.payments import claim_batches, claim_files, gateway, paynow_services, services
from portal.payments.forms import (
    ClaimBatchForm,
    ClaimOutcomeForm,
    ClaimSubmitForm,
    DeskFilterForm,
    DeskPaymentForm,
    PaynowForm,
    RemittanceForm,
)
from portal.payments.models import ClaimBatch, MedicalAidClaim, Payment, Refund, RemittanceImport
from portal.payments.panels import appointment_panel_context
from portal.payments.selectors import (
    PAYNOW_METHODS,
    RECEIVED_STATUSES,
    appointment_get_for,
    balances_due_for,
    claims_submitted,
    payment_day_totals,
    payment_desk_list,
    payment_get_for,
    payment_list_for,
    receipt_number,
    refunds_awaiting_staff,
)
from portal.payments.templatetags.payments_tags import amount as amount_filter

logger = logging.getLogger(__name__)


def _back(request: HttpRequest, appointment_id: int):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("payments:appointment", pk=appointment_id)


def _errors(request: HttpRequest, error: ValidationError | dict) -> None:
    texts = error.messages if isinstance(error, ValidationError) else [str(m) for m in _flat(error)]
    for text in texts:
        messages.error(request, text)


def _money(value) -> str:
    return amount_filter(value)


def _flat(form_errors: dict) -> list:
    return [message for errors in form_errors.values() for message in errors]


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied


# --- Pages ------------------------------------------------------------------------------


DESK_PAGE_SIZE = 25


def payment_list(request: HttpRequest) -> HttpResponse:
    """A patient's payments, or for payment staff the payments desk: one day's payments and totals,
    a search over every day, refunds to give back and claims awaiting an outcome."""
    staff = can(request.user, "payments.record")
    context = {"is_staff": staff, "balances_due": balances_due_for(user=request.user)}
    if not staff:
        context["page"] = Paginator(payment_list_for(user=request.user), DESK_PAGE_SIZE).get_page(
            request.GET.get("page"))
        return render(request, "payments/payment_list.html", context)
    today = timezone.localdate()
    form = DeskFilterForm(request.GET or None)
    day, query = today, ""
    if form.is_valid():
        day = form.cleaned_data["day"] or today
        query = form.cleaned_data["q"]
    elif form.is_bound:
        for message in _flat(form.errors):
            messages.error(request, message)
    context.update({
        "form": form, "day": day, "today": today, "query": query,
        "previous_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "page": Paginator(payment_desk_list(user=request.user, day=day, query=query), DESK_PAGE_SIZE).get_page(
            request.GET.get("page")),
        "totals": payment_day_totals(user=request.user, day=day),
        "refunds_awaiting": refunds_awaiting_staff(),
        "claims_submitted": claims_submitted(),
    })
    return render(request, "payments/payment_list.html", context)


def appointment_payments(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    panel = appointment_panel_context(request.user, appointment)
    return render(request, "payments/appointment.html", {"appointment": appointment, "panel": panel})


# --- Staff actions ---------------------------------------------------------------------


@require_POST
def desk_payment(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    _require(request, "payments.record")
    form = DeskPaymentForm(request.POST, prefix="desk")
    if not form.is_valid():
        _errors(request, form.errors)
        return _back(request, pk)
    try:
        payment = services.payment_record_desk(appointment=appointment, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"{payment.get_method_display()} payment of {_money(payment.amount)} recorded.")
    return _back(request, pk)


@require_POST
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    _require(request, "payments.record")
    form = ClaimSubmitForm(request.POST, prefix="claim")
    if not form.is_valid():
        _errors(request, form.errors)
        return _back(request, pk)
    try:
        claim = services.claim_submit(appointment=appointment, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"Medical-aid claim of {_money(claim.amount_claimed)} recorded as submitted.")
    return _back(request, pk)


@require_POST
def claim_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    _require(request, "payments.record")
    claim = get_object_or_404(MedicalAidClaim, appointment=appointment)
    form = ClaimOutcomeForm(request.POST, prefix="outcome")
    if not form.is_valid():
        _errors(request, form.errors)
        return _back(request, pk)
    data = form.cleaned_data
    try:
        if data["outcome"] == MedicalAidClaim.Status.PAID:
            claim = services.claim_record_paid(claim=claim, amount=data["amount"], by=request.user)
            if claim.patient_shortfall > 0:
                messages.success(request, f"Claim paid: {_money(claim.amount_paid)}. The patient now also owes "
                                          f"{_money(claim.patient_shortfall)}.")
            else:
                messages.success(request, f"Claim paid in full: {_money(claim.amount_paid)}.")
        else:
            claim = services.claim_record_rejected(claim=claim, reason=data["reason"], by=request.user)
            messages.warning(request, f"Claim rejected: {_money(claim.amount_claimed)} moved to the patient's balance.")
    except ValidationError as error:
        _errors(request, error)
    return _back(request, pk)


@require_POST
def refund_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "payments.confirm_refund")
    refund = get_object_or_404(Refund.objects.select_related("payment"), pk=pk)
    try:
        refund = services.refund_confirm(refund=refund, by=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"Refund of {_money(refund.amount)} confirmed as given back.")
    return _back(request, refund.payment.appointment_id)


# --- Stripe Checkout -------------------------------------------------------------------


@require_POST
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "payments.pay_online", appointment):
        raise PermissionDenied
    try:
        url = services.checkout_start(
            appointment=appointment, by=request.user,
            success_url=request.build_absolute_uri(reverse("payments:checkout_success"))
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=request.build_absolute_uri(reverse("payments:checkout_cancel", args=[appointment.pk])),
            hold=request.POST.get("hold") == "1",
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("payments:appointment", pk=pk)
    return redirect(url)


def checkout_success(request: HttpRequest) -> HttpResponse:
    """Where Stripe sends the patient after paying. The redirect proves nothing: the page shows the
    payment as the webhook (or a check with Stripe itself) left it, "processing" until then."""
    session_id = request.GET.get("session_id", "")
    found = (Payment.objects.filter(provider_session_id=session_id, method=Payment.Method.CARD_ONLINE).first()
             if session_id else None)
    if found is None:
        raise Http404("No such payment.")
    payment = payment_get_for(user=request.user, pk=found.pk)
    if payment.status == Payment.Status.PENDING:
        payment = services.checkout_confirm_with_stripe(payment=payment)
    return render(request, "payments/checkout_success.html", {
        "payment": payment,
        "appointment": payment.appointment,
        "processing": payment.status == Payment.Status.PENDING,
    })


def checkout_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    return render(request, "payments/checkout_cancelled.html", {"appointment": appointment})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events. Verified on the raw body; each event id acts once; always a quick answer."""
    signature = request.headers.get("Stripe-Signature")
    if not signature or not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponseBadRequest("Missing signature.")
    try:
        gateway.webhook_event(payload=request.body, signature=signature)
        event = json.loads(request.body)
    except (ValueError, stripe.SignatureVerificationError):
        logger.warning("Stripe webhook refused: bad payload or signature")
        return HttpResponseBadRequest("Bad signature.")
    outcome = services.webhook_process(event=event)
    return HttpResponse(outcome, content_type="text/plain")


# --- Receipts --------------------------------------------------------------------------


def _receipt_context(request: HttpRequest, pk: int) -> dict:
    payment = payment_get_for(user=request.user, pk=pk)
    if payment.status not in RECEIVED_STATUSES:
        raise Http404("No receipt for a payment that was not received.")
    return {"payment": payment, "appointment": payment.appointment, "patient": payment.appointment.patient,
            "refund": getattr(payment, "refund", None), "number": receipt_number(payment)}


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "payments/receipt.html", _receipt_context(request, pk))


def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML

    context = {**_receipt_context(request, pk), "pdf": True, "practice": practice_details()}
    html = render_to_string("payments/receipt_document.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{context["number"]}.pdf"'
    return response


# --- Paynow (EcoCash, OneMoney, Zimbabwean cards) ----------------------------------------------


@require_POST
def paynow_start(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get_for(user=request.user, pk=pk)
    if not can(request.user, "payments.pay_online", appointment):
        raise PermissionDenied
    form = PaynowForm(request.POST, prefix="paynow")
    if not form.is_valid():
        _errors(request, form.errors)
        return redirect("payments:appointment", pk=pk)
    try:
        started = paynow_services.paynow_start(
            appointment=appointment, by=request.user, method=form.cleaned_data["method"],
            phone=form.cleaned_data["phone"],
            return_url=request.build_absolute_uri(reverse("payments:paynow_status", args=[0])).replace(
                "/0/", "/{PAYMENT_ID}/"),
            result_url=request.build_absolute_uri(reverse("payments:paynow_result")),
            hold=request.POST.get("hold") == "1",
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("payments:appointment", pk=pk)
    if started.redirect_url:
        return redirect(started.redirect_url)
    return redirect("payments:paynow_status", pk=started.payment.pk)


def paynow_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the patient waits for a mobile-money approval, and where Paynow's checkout sends them
    back. The return proves nothing: the page asks Paynow and shows what its verified answer says."""
    payment = payment_get_for(user=request.user, pk=pk)
    if payment.method not in PAYNOW_METHODS:
        raise Http404("No such Paynow payment.")
    if payment.status == Payment.Status.PENDING:
        payment = paynow_services.paynow_refresh(payment=payment)
    return render(request, "payments/paynow_status.html", {
        "payment": payment, "appointment": payment.appointment,
        "processing": payment.status == Payment.Status.PENDING,
        "reference": paynow_services.reference_of(payment),
    })


@csrf_exempt
@require_POST
def paynow_result(request: HttpRequest) -> HttpResponse:
    """Paynow's result URL: a status message, checked by its hash; each has one effect."""
    try:
        outcome = paynow_services.paynow_result_received(values=request.POST.dict())
    except ValidationError:
        logger.warning("Paynow result refused: bad hash or unknown reference")
        return HttpResponseBadRequest("Refused.")
    return HttpResponse(outcome, content_type="text/plain")


# --- Medical-aid claim batches and remittances ---------------------------------------------------


def claims_desk(request: HttpRequest) -> HttpResponse:
    """Staff: build a batch for a scheme and period (preview first), download it, import remittances."""
    _require(request, "payments.record")
    batch_form = ClaimBatchForm(request.GET or None, prefix="batch")
    preview = None
    if request.GET and batch_form.is_valid():
        try:
            preview = claim_batches.claim_batch_preview(**batch_form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    return render(request, "payments/claims.html", {
        "batch_form": batch_form, "preview": preview,
        "remittance_form": RemittanceForm(prefix="remittance"),
        "batches": ClaimBatch.objects.select_related("scheme").annotate(
            count=Count("claims"), claimed=Sum("claims__amount_claimed"))[:30],
        "imports": RemittanceImport.objects.select_related("scheme")[:10],
    })


@require_POST
def claim_batch_build(request: HttpRequest) -> HttpResponse:
    _require(request, "payments.record")
    form = ClaimBatchForm(request.POST, prefix="batch")
    if not form.is_valid():
        _errors(request, form.errors)
        return redirect("payments:claims")
    try:
        batch = claim_batches.claim_batch_build(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
        return redirect("payments:claims")
    messages.success(request, f"Batch {batch.number}: {batch.claims.count()} claims submitted to {batch.scheme.name}.")
    return redirect("payments:claim_batch", pk=batch.pk)


def claim_batch(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "payments.record")
    batch = get_object_or_404(ClaimBatch.objects.select_related("scheme", "created_by"), pk=pk)
    return render(request, "payments/claim_batch.html", {
        "batch": batch, "claims": claim_batches.batch_claims(batch), "total": claim_batches.total_claimed(batch)})


def claim_batch_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(request, "payments.record")
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such file type.")
    batch = get_object_or_404(ClaimBatch.objects.select_related("scheme"), pk=pk)
    rows = claim_batches.batch_rows(batch)
    if fmt == "xlsx":
        content = claim_files.write_xlsx(rows, title=batch.number)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = claim_files.write_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="claims-{batch.number}.{fmt}"'
    return response


@require_POST
def remittance_import(request: HttpRequest) -> HttpResponse:
    _require(request, "payments.record")
    form = RemittanceForm(request.POST, request.FILES, prefix="remittance")
    if not form.is_valid():
        _errors(request, form.errors)
        return redirect("payments:claims")
    upload = form.cleaned_data["file"]
    try:
        record = claim_batches.remittance_import(scheme=form.cleaned_data["scheme"], data=upload.read(),
                                                 original_name=upload.name, by=request.user)
    except ValidationError as error:
        messages.error(request, "The remittance was not imported; nothing was changed.")
        _errors(request, error)
        return redirect("payments:claims")
    messages.success(request, f"Remittance imported: {len(record.applied)} claims updated, "
                              f"{len(record.unmatched)} lines to look at.")
    return redirect("payments:remittance", pk=record.pk)


def remittance(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "payments.record")
    record = get_object_or_404(RemittanceImport.objects.select_related("scheme", "imported_by"), pk=pk)
    return render(request, "payments/remittance.html", {"record": record})
