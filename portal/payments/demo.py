"""Demo payments: a few desk payments and a paid medical-aid claim on the demo appointments.

Idempotent: an appointment that already has a payment or a claim is left alone, and the demo stops
adding once it has made its few examples."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.payments import services
from portal.payments.models import MedicalAidClaim, Payment
from portal.payments.selectors import appointment_balance

DESK_EXAMPLES = 3


def seed(*, stdout, style, options) -> None:
    appointments = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES).select_related("scan_type")
    if not appointments.exists():
        stdout.write("  No appointments yet: no demo payments (book some and run seed_demo again).")
        return
    staff = User.objects.filter(email="reception@demo.test").first()
    already = Payment.objects.exclude(method=Payment.Method.MEDICAL_AID_CLAIM).exclude(
        method=Payment.Method.CARD_ONLINE).count()
    untouched = appointments.annotate(
        has_payment=Exists(Payment.objects.filter(appointment=OuterRef("pk"))),
        has_claim=Exists(MedicalAidClaim.objects.filter(appointment=OuterRef("pk"))),
    ).filter(has_payment=False, has_claim=False).order_by("start")

    made = 0
    methods = [Payment.Method.CASH, Payment.Method.CARD_AT_PRACTICE, Payment.Method.EFT]
    for appointment in untouched.filter(patient_amount__gt=0)[: max(DESK_EXAMPLES - already, 0)]:
        due = appointment_balance(appointment).due
        if due <= 0:
            continue
        services.payment_record_desk(appointment=appointment, method=methods[made % len(methods)], amount=due,
                                     reference=f"DEMO-{appointment.pk}", by=staff)
        made += 1
    stdout.write(f"  {made} desk payment(s) recorded.")

    if MedicalAidClaim.objects.filter(status=MedicalAidClaim.Status.PAID).exists():
        stdout.write("  A paid medical-aid claim exists already.")
        return
    # The oldest covered visit without a claim, whether or not its co-payment was paid at the desk (a
    # patient pays the share, the scheme the rest): the newer ones stay for reception's claim batch.
    claimable = (appointments.annotate(has_claim=Exists(MedicalAidClaim.objects.filter(appointment=OuterRef("pk"))))
                 .filter(has_claim=False, plan__isnull=False, covered_amount__gt=0).order_by("start").first())
    if claimable is None:
        stdout.write("  No appointment with medical-aid cover: no demo claim.")
        return
    claim = services.claim_submit(appointment=claimable, amount=claimable.covered_amount,
                                  reference=f"CLM-DEMO-{claimable.pk}", by=staff)
    services.claim_record_paid(claim=claim, amount=claim.amount_claimed, by=staff)
    stdout.write(style.SUCCESS("  1 medical-aid claim submitted and paid."))
