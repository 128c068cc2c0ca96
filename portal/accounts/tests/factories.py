from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from portal.accounts.models import ReferringDoctor, User
from portal.accounts.roles import Role

PASSWORD = "Correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1980, 1, 1)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def user_with_role(role: str, **kwargs) -> User:
    return UserFactory(roles=[role], **kwargs)


class ReferringDoctorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferringDoctor

    user = factory.SubFactory(UserFactory, roles=[Role.REFERRING_DOCTOR])
    practice_number = factory.Sequence(lambda n: f"MP{n:05d}")
    practice_name = "Test Practice"


def enable_totp(user: User) -> str:
    """Give a user a TOTP authenticator, as if they had enrolled; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def record_mfa_in_session(client, user: User) -> None:
    """Record in the test client's session that its user entered a TOTP code, as allauth does after
    the MFA stage; only for a user who has TOTP."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator

    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        return
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "id": totp.pk, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


APP_LOGIN_URL = "/_allauth/app/v1/auth/login"


def app_token(client, user: User, *, password: str = PASSWORD, device: str = "", totp_secret: str = "") -> str:
    """Sign in through allauth's app API (as the mobile app does) and return the session token;
    with `totp_secret`, pass the two-factor stage too."""
    headers = {"HTTP_X_DEVICE_NAME": device} if device else {}
    response = client.post(APP_LOGIN_URL, {"email": user.email, "password": password},
                           content_type="application/json", **headers)
    body = response.json()
    token = body.get("meta", {}).get("session_token", "")
    if response.status_code == 401 and totp_secret:
        response = client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": totp_code(totp_secret)},
                               content_type="application/json", HTTP_X_SESSION_TOKEN=token)
        body = response.json()
        token = body.get("meta", {}).get("session_token", token)
    assert response.status_code == 200, body
    return token
