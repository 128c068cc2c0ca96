"""Money received (or claimed) for appointments. An appointment's balance is its patient share
minus what is paid; medical-aid claims are tracked beside the patient's payments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from portal.booking.models import Appointment
from portal.catalogue.models import MedicalAidScheme
from portal.core.models import TimeStampedModel


class Payment(TimeStampedModel):
    class Method(models.TextChoices):
        MEDICAL_AID_CLAIM = "medical_aid_claim", "Medical-aid claim"
        CARD_ONLINE = "card_online", "Card (online)"
        CARD_AT_PRACTICE = "card_at_practice", "Card at the practice"
        CASH = "cash", "Cash"
        EFT = "eft", "EFT / bank transfer"
        PAYNOW = "paynow", "Paynow (online)"
        MOBILE_MONEY = "mobile_money", "Mobile money (EcoCash / OneMoney)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=Method.choices, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    refunded_at = models.DateTimeField(null=True, blank=True)
    provider_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    provider_payment_id = models.CharField(max_length=255, blank=True)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=2048, blank=True, help_text="Stripe Checkout page of a pending payment.")
    provider_poll_url = models.URLField(max_length=2048, blank=True,
                                        help_text="Paynow's status URL for this payment (from its initiation).")
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="Receipt, slip or claim reference.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()  # row history for the managers' audit screen

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "paid_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.get_status_display()})"


class MedicalAidClaim(TimeStampedModel):
    """What the practice claims from the patient's medical aid for one appointment.

    submitted -> paid (the aid's payment becomes a `Payment` of method medical_aid_claim) or
    rejected. What the aid does not pay (all of it when rejected, the difference when it pays less)
    moves to the patient: `patient_shortfall`.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        PAID = "paid", "Paid"
        REJECTED = "rejected", "Rejected"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="medical_aid_claim")
    amount_claimed = models.DecimalField(max_digits=10, decimal_places=2,
                                         validators=[MinValueValidator(Decimal("0.01"))])
    amount_paid = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    reference = models.CharField(max_length=100, blank=True, help_text="The scheme's claim reference.")
    rejection_reason = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="claim")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # The claim line as sent in a batch (kept as sent: later edits of the catalogue or referral don't move it).
    batch = models.ForeignKey("ClaimBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    tariff_code = models.CharField(max_length=20, blank=True)
    icd10_codes = models.JSONField(default=list, blank=True)
    dependant_code = models.CharField(max_length=4, blank=True, default="00",
                                      help_text="The scheme's dependant code of the patient (00: main member).")

    history = HistoricalRecords()  # row history for the managers' audit screen

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_claimed__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_paid__gte=0, amount_paid__lte=models.F("amount_claimed")),
                name="claim_paid_within_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.amount_claimed} ({self.get_status_display()})"

    @property
    def patient_shortfall(self) -> Decimal:
        """The part of the claim that moved to the patient."""
        if self.status == self.Status.REJECTED:
            return self.amount_claimed
        if self.status == self.Status.PAID:
            return max(self.amount_claimed - self.amount_paid, Decimal("0"))
        return Decimal("0")


class ClaimBatch(TimeStampedModel):
    """The claims of one scheme for one period, sent together as one file (CSV or XLSX).

    Building a batch submits a claim for each completed, unclaimed appointment of the scheme in the
    period; the scheme's remittance file later says, line by line, what it paid.
    """

    scheme = models.ForeignKey(MedicalAidScheme, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="claimbatch_period_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.scheme} {self.period_start:%d %b}–{self.period_end:%d %b %Y}"

    @property
    def number(self) -> str:
        return f"CB-{self.pk:05d}"


class RemittanceImport(TimeStampedModel):
    """A scheme's remittance file, imported once (its SHA-256 is unique): what it applied and what
    it could not match, for staff."""

    scheme = models.ForeignKey(MedicalAidScheme, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    lines = models.PositiveIntegerField()
    applied = models.JSONField(default=list, blank=True,
                               help_text="Claim numbers paid, part-paid or rejected by this file.")
    unmatched = models.JSONField(default=list, blank=True,
                                 help_text="Lines that matched no claim of the scheme, with why.")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["scheme", "sha256"], name="remittance_once_per_file")]

    def __str__(self) -> str:
        return f"Remittance {self.original_name or self.sha256[:12]} ({self.scheme})"


class Refund(TimeStampedModel):
    """Money given back for one payment (at most one refund per payment).

    Online payments are refunded through Stripe (idempotency key derived from the payment id);
    desk payments wait until staff confirm that the money went back (cash-back, card reversal, EFT).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested from Stripe"
        AWAITING_STAFF = "awaiting_staff", "Awaiting the practice"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    reason = models.CharField(max_length=200)
    idempotency_key = models.CharField(max_length=100, unique=True)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True, help_text="When Stripe was asked.")
    completed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """A Stripe webhook event, written in the same transaction as its effect: each id acts once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class PaymentHold(TimeStampedModel):
    """A just-booked slot kept for the patient while they pay online. If the payment has not arrived
    when the hold expires, a periodic task cancels the appointment and frees the slot."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        PAID = "paid", "Paid"
        RELEASED = "released", "Released"

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="payment_hold")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="holds")
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at"]

    def __str__(self) -> str:
        return f"Hold until {self.expires_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
