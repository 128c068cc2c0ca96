"""People: one user model for patients, doctors and staff; email is the login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from portal.core.models import TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in. Roles are groups (see `roles.Role`)."""

    class Sex(models.TextChoices):
        """As the scanner needs it (DICOM PatientSex: F, M or O); blank when not given."""

        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "O", "Other"

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = PhoneNumberField(blank=True, help_text="Mobile number, with country code, e.g. +263 77 123 4567.")
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=1, choices=Sex.choices, blank=True,
        help_text="Sex as recorded for the scan: the scanner uses it for dose and reference values.",
    )
    notify_by_email = models.BooleanField("email me", default=True)
    notify_by_sms = models.BooleanField("text me (SMS)", default=False)
    notify_by_whatsapp = models.BooleanField("WhatsApp me", default=False)
    is_staff = models.BooleanField(
        "Django admin access", default=False, help_text="May sign in to the Django admin (administrators only)."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    # Row history for the managers' audit screen. Never the password hash; last_login changes on every
    # sign-in and is already in allauth's sessions.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = "user"

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ReferringDoctor(TimeStampedModel):
    """A referring doctor's practice details. Unverified until staff approve."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_profile")
    practice_number = models.CharField(max_length=40, unique=True)
    practice_name = models.CharField(max_length=200, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"Dr {self.user} ({self.practice_number})"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class ProxyAccess(TimeStampedModel):
    """A guardian acts for a dependant (a child, or an adult who consented) who has no login of
    their own. For a child it ends at PROXY_MAJORITY_AGE unless the now-adult grants it; an adult
    dependant, the guardian or staff can end it at any time. Ended rows are kept (the history)."""

    class Relationship(models.TextChoices):
        CHILD = "child", "My child"
        ADULT = "adult", "An adult who consents"

    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dependant_links")
    dependant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    consent_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the adult's consent (or the now-adult's grant) was given."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "proxy access"
        verbose_name_plural = "proxy access"
        constraints = [
            models.UniqueConstraint(fields=["guardian", "dependant"], condition=models.Q(ended_at__isnull=True),
                                    name="proxy_one_open_link_per_pair"),
            models.CheckConstraint(condition=~models.Q(guardian=models.F("dependant")), name="proxy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} for {self.dependant}"
