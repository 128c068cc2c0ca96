"""The accounts router: who am I. Signing in, out, MFA and sessions are allauth's JSON API."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import APIKeyHeader

from portal.accounts.permissions import roles_of
from portal.accounts.tokens import TOKEN_HEADER, user_from_token


class SessionToken(APIKeyHeader):
    """`X-Session-Token: <token from allauth's app login>`; no valid token: 401."""

    param_name = TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None):
        return user_from_token(request, key or "")


session_token = SessionToken()

router = Router(tags=["accounts"], auth=session_token)


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    date_of_birth: dt.date | None
    sex: str = Field("", description="F, M, O, or empty when not given (DICOM PatientSex)")
    roles: list[str]


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest):
    user = request.auth
    return {
        "id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
        "phone": str(user.phone or ""), "date_of_birth": user.date_of_birth, "sex": user.sex,
        "roles": sorted(roles_of(user)),
    }
