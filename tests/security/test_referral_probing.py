"""Issue 13, item 11: a referring doctor cannot learn from the new-referral form, nor from their list,
whether a person is a patient or an email is registered. Every accepted form takes one path: the
referral waits for the patient, who accepts an emailed one-time invitation; name / date-of-birth
differences are shown to reception, not to the doctor. Referral creation is rate limited per doctor."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.tests.factories import AppointmentFactory
from portal.referrals import invitations, services
from portal.referrals.models import Referral, ReferralInvitation
from portal.referrals.selectors import referral_list_visible_to
from portal.reports.tests.factories import PDF_BYTES, verified_doctor

pytestmark = pytest.mark.django_db

TYPED = {"first_name": "Tendai", "last_name": "Moyo", "date_of_birth": "1985-04-12"}


def _form(**overrides):
    data = {**TYPED, "email": "", "clinical_notes": "Cough for 3 weeks.",
            "file": SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf")}
    data.update(overrides)
    return data


def _send(doctor, email, capture):
    """One doctor's post from a fresh session (so the queued messages are this request's own)."""
    session = Client()
    session.force_login(doctor)
    with capture(execute=True):
        response = session.post(reverse("doctor:referral_create"), _form(email=email))
    return session, response


def _post_outcome(session, response):
    return (response.status_code, response.get("Location"), response.content,
            [(m.level, str(m)) for m in get_messages(response.wsgi_request)])


def _normalised(html: str, referral: Referral) -> str:
    """The page with what the doctor typed or the portal numbered (the referral's id, the email the
    doctor gave) replaced: what is left is what the portal told them."""
    html = html.replace(f"/referrals/{referral.pk}/", "/referrals/ID/").replace(f"#{referral.pk}", "#ID")
    return html.replace(referral.invitation.email, "EMAIL")


def _row(list_html: str, referral: Referral) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", list_html, re.S)
            if f"/referrals/{referral.pk}/" in row]
    assert len(rows) == 1
    return _normalised(rows[0], referral)


def _detail(session, referral) -> str:
    page = session.get(reverse("doctor:referral_detail", args=[referral.pk])).content.decode()
    return _normalised(re.search(r"<h1.*?</dl>", page, re.S).group(0), referral)


def _link(email: str) -> str:
    message = next(m for m in mail.outbox if m.to == [email])
    url = next(line for line in message.body.splitlines() if "/referrals/invitation/" in line).strip()
    return url.split("testserver", 1)[1]


@pytest.fixture
def three_cases(django_capture_on_commit_callbacks):
    """The same typed details sent to: a patient whose account has them, a patient whose account has
    other details, an address with no account."""
    right = user_with_role(Role.PATIENT, email="right@example.test", first_name="Tendai", last_name="Moyo",
                           date_of_birth=dt.date(1985, 4, 12))
    wrong = user_with_role(Role.PATIENT, email="wrong@example.test", first_name="Rudo", last_name="Banda",
                           date_of_birth=dt.date(1979, 9, 30))
    doctor = verified_doctor()
    sent = {}
    for key, email in [("right", "right@example.test"), ("wrong", "wrong@example.test"),
                       ("unregistered", "nobody@example.test")]:
        session, response = _send(doctor, email, django_capture_on_commit_callbacks)
        referral = Referral.objects.get(invitation__email=email)
        sent[key] = {"session": session, "response": response, "referral": referral, "email": email}
    return {"doctor": doctor, "right": right, "wrong": wrong, "sent": sent}


def test_the_doctor_sees_byte_identical_responses_for_right_wrong_and_unregistered(three_cases):
    sent = three_cases["sent"]
    outcomes = {key: _post_outcome(case["session"], case["response"]) for key, case in sent.items()}
    assert len(set(map(repr, outcomes.values()))) == 1, outcomes
    status, location, _, queued = outcomes["right"]
    assert status == 302 and location == reverse("doctor:referrals")
    print("doctor-visible message:", queued[0][1])
    listing = sent["right"]["session"].get(reverse("doctor:referrals")).content.decode()
    rows = {key: _row(listing, case["referral"]) for key, case in sent.items()}
    assert len(set(rows.values())) == 1, rows
    assert "Waiting for the patient to accept" in rows["right"]
    details = {key: _detail(case["session"], case["referral"]) for key, case in sent.items()}
    assert len(set(details.values())) == 1, details
    # all three wait for their patient; none is attached to an account yet
    assert {(c["referral"].status, c["referral"].patient_id) for c in sent.values()} == {
        (Referral.Status.AWAITING_PATIENT, None)}


def test_the_patient_sees_nothing_until_they_accept_then_the_doctor_row_moves_on(client, three_cases):
    right, case = three_cases["right"], three_cases["sent"]["right"]
    referral = case["referral"]
    client.force_login(right)
    assert not referral_list_visible_to(user=right).exists()
    assert client.get(reverse("referrals:file", args=[referral.pk])).status_code == 404
    link = _link("right@example.test")
    page = client.get(link)
    assert page.status_code == 200 and "Accept the referral" in page.content.decode()
    referral.refresh_from_db()
    assert referral.patient_id is None  # opening the link is not accepting
    response = client.post(link)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.patient == right and referral.status == Referral.Status.RECEIVED
    assert client.get(reverse("referrals:file", args=[referral.pk])).status_code == 200
    listing = case["session"].get(reverse("doctor:referrals")).content.decode()
    assert ">Received</span>" in _row(listing, referral)


def test_a_signed_out_visitor_of_a_registered_address_is_sent_to_sign_in(client, three_cases):
    response = client.get(_link("right@example.test"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert three_cases["sent"]["right"]["referral"].invitation.accepted_at is None


def test_reception_sees_the_mismatch_and_the_doctor_does_not(client, three_cases):
    wrong, case = three_cases["wrong"], three_cases["sent"]["wrong"]
    client.force_login(wrong)
    client.post(_link("wrong@example.test"))
    referral = Referral.objects.get(pk=case["referral"].pk)
    assert referral.patient == wrong
    appointment = AppointmentFactory(patient=wrong)
    services.referral_attach(referral=referral, appointment=appointment)
    own = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert "Check the patient" not in own  # for the practice to check, not the patient
    reception = user_with_role(Role.RECEPTION)
    enable_totp(reception)
    client.force_login(reception)
    page = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert "Check the patient's details" in page
    assert "Tendai Moyo" in page and "Rudo Banda" in page
    doctor_pages = case["session"].get(reverse("doctor:referrals")).content.decode() + case["session"].get(
        reverse("doctor:referral_detail", args=[referral.pk])).content.decode()
    assert "Rudo" not in doctor_pages and "1979" not in doctor_pages and "Check the patient" not in doctor_pages
    # the patient whose details matched shows no warning
    assert referral.details_mismatch() and not _accepted(three_cases, "right").details_mismatch()


def _accepted(cases, key) -> Referral:
    referral = cases["sent"][key]["referral"]
    invitations.referral_invitation_accept(invitation=referral.invitation, user=cases[key])
    return Referral.objects.get(pk=referral.pk)


def test_an_unregistered_address_accepts_by_setting_the_password(client, three_cases):
    referral = three_cases["sent"]["unregistered"]["referral"]
    invited = User.objects.get(email="nobody@example.test")
    assert not invited.has_usable_password() and invited.date_of_birth == dt.date(1985, 4, 12)
    assert referral.invitation.by_password_set
    response = client.get(_link("nobody@example.test"))
    assert response.status_code == 302 and "/accounts/password/reset/key/" in response["Location"]
    referral.refresh_from_db()
    assert referral.patient_id is None
    form = client.get(response["Location"])
    client.post(form["Location"], {"password1": "A-new-Strong-pass-42", "password2": "A-new-Strong-pass-42"})
    referral.refresh_from_db()
    assert referral.patient == invited and referral.status == Referral.Status.RECEIVED
    assert referral.invitation.accepted_at is not None


def test_another_users_invitation_is_404_and_changes_nothing(client, three_cases):
    client.force_login(user_with_role(Role.PATIENT, email="someone@example.test"))
    link = _link("right@example.test")
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert client.get("/referrals/invitation/not-a-real-token/").status_code == 404
    referral = Referral.objects.get(pk=three_cases["sent"]["right"]["referral"].pk)
    assert referral.patient_id is None and referral.invitation.accepted_at is None


def test_an_expired_token_is_refused_with_a_clear_message_and_nothing_changes(client, three_cases):
    referral = three_cases["sent"]["right"]["referral"]
    ReferralInvitation.objects.filter(pk=referral.invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(three_cases["right"])
    link = _link("right@example.test")
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert invitations.EXPIRED.replace("'", "&#x27;") in response.content.decode()
    referral.refresh_from_db()
    assert referral.patient_id is None and referral.status == Referral.Status.AWAITING_PATIENT
    listing = three_cases["sent"]["right"]["session"].get(reverse("doctor:referrals")).content.decode()
    assert "Invitation expired" in _row(listing, referral)


def test_a_reused_token_is_refused_with_a_clear_message_and_nothing_changes(client, three_cases):
    client.force_login(three_cases["right"])
    link = _link("right@example.test")
    client.post(link)
    referral = Referral.objects.get(pk=three_cases["sent"]["right"]["referral"].pk)
    accepted_at = referral.invitation.accepted_at
    response = client.post(link)
    assert response.status_code == 410 and "already been used" in response.content.decode()
    referral.refresh_from_db()
    assert referral.invitation.accepted_at == accepted_at and referral.patient == three_cases["right"]


def test_only_a_hash_of_the_token_is_stored(three_cases):
    link = _link("right@example.test")
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = three_cases["sent"]["right"]["referral"].invitation
    assert invitation.token_hash == invitations.token_hash(token) and token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at >= dt.timedelta(days=14) - dt.timedelta(minutes=1)


def test_the_email_is_required_and_its_absence_is_said_the_same_way_to_everyone(client):
    client.force_login(verified_doctor())
    response = client.post(reverse("doctor:referral_create"), _form())
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_the_referral_past_the_per_doctor_limit_is_refused_and_nothing_is_created(client, settings):
    settings.DOCTOR_REFERRAL_RATE_LIMIT = (3, 3600)
    doctor = verified_doctor()
    client.force_login(doctor)
    for n in range(3):
        assert client.post(reverse("doctor:referral_create"), _form(email=f"p{n}@example.test")).status_code == 302
    assert Referral.objects.count() == 3
    response = client.post(reverse("doctor:referral_create"), _form(email="p9@example.test"))
    assert response.status_code == 200
    assert "most referrals the portal accepts" in response.content.decode()
    assert Referral.objects.count() == 3 and not User.objects.filter(email="p9@example.test").exists()
    # the limit is per doctor: another doctor still sends
    client.force_login(verified_doctor())
    assert client.post(reverse("doctor:referral_create"), _form(email="p9@example.test")).status_code == 302
    assert Referral.objects.count() == 4


def test_a_waiting_referral_is_not_in_any_records_export_until_accepted(three_cases):
    doctor, referral = three_cases["doctor"], three_cases["sent"]["right"]["referral"]
    assert not referral_list_visible_to(user=doctor).filter(pk=referral.pk).exists()
    assert not referral_list_visible_to(user=doctor, everything=True).filter(pk=referral.pk).exists()
    _accepted(three_cases, "right")
    assert referral_list_visible_to(user=doctor).filter(pk=referral.pk).exists()
    assert referral_list_visible_to(user=three_cases["right"]).filter(pk=referral.pk).exists()
