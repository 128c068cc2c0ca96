from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.tests.factories import enable_totp, user_with_role
from portal.booking.tests.factories import AppointmentFactory
from portal.feedback import selectors, services
from portal.feedback.models import Feedback
from portal.reports.tests.factories import completed_appointment, signed_report

pytestmark = pytest.mark.django_db

GOOD = {"overall": "5", "waiting_time": "4", "staff": "5", "recommend": "9", "comments": "Very kind staff."}


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_a_patient_rates_a_completed_visit_from_the_appointment_page_url(client):
    appointment = completed_appointment()
    client.force_login(appointment.patient)
    response = client.post(reverse("feedback:give", args=[appointment.pk]), GOOD, follow=True)
    assert "Thank you for your feedback" in response.content.decode()
    feedback = Feedback.objects.get(appointment=appointment)
    assert (feedback.overall, feedback.waiting_time, feedback.staff, feedback.recommend) == (5, 4, 5, 9)


def test_the_report_feedback_url_rates_the_visit_of_that_report(client):
    report = signed_report()
    client.force_login(report.appointment.patient)
    assert client.get(reverse("reports:feedback", args=[report.pk])).status_code == 200
    client.post(reverse("reports:feedback", args=[report.pk]), GOOD)
    assert Feedback.objects.filter(appointment=report.appointment).count() == 1


def test_feedback_before_completion_is_refused_with_a_message(client):
    appointment = AppointmentFactory()  # confirmed, not yet completed
    client.force_login(appointment.patient)
    response = client.get(reverse("feedback:give", args=[appointment.pk]))
    assert "once your appointment has been completed" in _messages(response)
    response = client.post(reverse("feedback:give", args=[appointment.pk]), GOOD)
    assert response.status_code == 400
    assert "once your appointment has been completed" in _messages(response)
    assert not Feedback.objects.exists()


def test_feedback_twice_is_refused_with_a_message(client):
    appointment = completed_appointment()
    client.force_login(appointment.patient)
    client.post(reverse("feedback:give", args=[appointment.pk]), GOOD)
    response = client.post(reverse("feedback:give", args=[appointment.pk]), {**GOOD, "overall": "1"})
    assert response.status_code == 400
    assert "already given feedback" in _messages(response)
    assert Feedback.objects.get(appointment=appointment).overall == 5


@pytest.mark.parametrize("field,value", [("overall", "0"), ("overall", "6"), ("waiting_time", "9"),
                                         ("staff", "-1"), ("recommend", "11"), ("recommend", "x")])
def test_out_of_range_answers_are_refused_with_a_message(client, field, value):
    appointment = completed_appointment()
    client.force_login(appointment.patient)
    response = client.post(reverse("feedback:give", args=[appointment.pk]), {**GOOD, field: value})
    assert response.status_code == 400
    assert "Please answer each question" in _messages(response)
    assert "Select a valid choice" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_service_refuses_out_of_range_values_too():
    appointment = completed_appointment()
    with pytest.raises(ValidationError):
        services.feedback_give(appointment=appointment, patient=appointment.patient, overall=6, waiting_time=3,
                               staff=3, recommend=5)
    with pytest.raises(ValidationError):
        services.feedback_give(appointment=appointment, patient=appointment.patient, overall=3, waiting_time=3,
                               staff=3, recommend=11)


def test_staff_see_the_feedback_list_with_averages_and_nps(client):
    for overall, recommend in [(5, 10), (4, 9), (2, 3)]:
        appointment = completed_appointment()
        services.feedback_give(appointment=appointment, patient=appointment.patient, overall=overall,
                               waiting_time=3, staff=4, recommend=recommend, comments=f"comment {overall}")
    summary = selectors.feedback_summary(queryset=Feedback.objects.all())
    assert summary["count"] == 3 and summary["nps"] == 33 and round(summary["overall"], 2) == 3.67
    manager = user_with_role(Role.MANAGER)
    enable_totp(manager)
    client.force_login(manager)
    page = client.get(reverse("feedback:list")).content.decode()
    assert "comment 2" in page and "comment 5" in page


def test_the_form_asks_each_rating_as_a_labelled_radio_group(client):
    """Issue 18: a screen reader hears the question with each option ("Waiting time, 4 stars")."""
    import re

    appointment = completed_appointment()
    client.force_login(appointment.patient)
    page = client.get(reverse("feedback:give", args=[appointment.pk])).content.decode()
    groups = re.findall(r'<fieldset class="rating-group[^"]*"[^>]*>\s*<legend[^>]*>([^<]+)</legend>(.*?)</fieldset>',
                        page, re.S)
    assert [legend for legend, _ in groups] == [
        "Overall, how was your visit?", "Waiting time", "Our staff",
        "How likely are you to recommend us to a friend or family member?",
    ]
    for name, (_legend, body) in zip(["overall", "waiting_time", "staff"], groups, strict=False):
        assert body.count('type="radio"') == 5
        for n in range(1, 6):
            sr_text = f'{n} star{"s" if n > 1 else ""}'
            assert re.search(rf'<label class="rating-option" for="id_{name}_{n - 1}"><input class="rating-input" '
                             rf'type="radio" name="{name}" value="{n}" id="id_{name}_{n - 1}" required>'
                             rf'<span aria-hidden="true">★</span><span class="visually-hidden">{sr_text}</span>'
                             r'</label>', body)
    assert groups[3][1].count('type="radio"') == 11
    assert 'aria-describedby="id_overall_help"' in page and "1 = very poor, 5 = excellent" in page


def test_a_missing_rating_is_shown_on_its_group_and_nothing_saved(client):
    appointment = completed_appointment()
    client.force_login(appointment.patient)
    response = client.post(reverse("feedback:give", args=[appointment.pk]), {**GOOD, "staff": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<fieldset class="rating-group mb-4 is-invalid"' in page and "This field is required." in page
    assert 'value="5" id="id_overall_4" checked' in page  # the answers given are kept
    assert not Feedback.objects.filter(appointment=appointment).exists()
