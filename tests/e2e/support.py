"""Shared helpers for the browser journeys: demo data, a real PDF, TOTP codes, the slot picker."""

from __future__ import annotations

import re

from django.core.management import call_command

PATIENT = "patient@demo.test"
DOCTOR = "doctor@demo.test"
RECEPTION = "reception@demo.test"
RADIOGRAPHER = "radiographer@demo.test"
RADIOLOGIST = "radiologist@demo.test"
MANAGER = "manager@demo.test"
MARKETING = "marketing@demo.test"


def seed_demo(*, history: int = 1) -> None:
    """The demo (users of every role, catalogue, rooms, appointments, reports, public pages), with
    `history` synthetic past appointments for analytics (its default of 10,000 is for the demo site)."""
    call_command("seed_demo", appointments=history, stdout=_Null(), stderr=_Null())


class _Null:
    def write(self, *_args, **_kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


def referral_pdf(path, *, patient: str, doctor: str) -> None:
    """A small but real PDF letter (made by WeasyPrint), written to `path`."""
    from weasyprint import HTML

    html = (
        f"<h1>Referral letter</h1><p>Please perform a CT brain for {patient}.</p>"
        f"<p>Clinical notes: persistent headaches for three weeks.</p><p>{doctor}</p>"
    )
    path.write_bytes(HTML(string=html).write_pdf())


def open_day_beyond_cutoff(page, *, days: int = 3) -> None:
    """Show the picker on a weekday at least `days` ahead, so the visit booked there can still be
    changed online (a slot within the change cutoff is not, which depends on the time of day)."""
    import datetime as dt

    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    page.goto(page.url.split("?")[0] + f"?date={day:%Y-%m-%d}")


def pick_first_free_slot(page) -> str:
    """Choose the first free time on the picker's day that stays bookable for the rest of the test
    (half an hour past the patient's notice window; the next days' when today has none); returns the
    chosen time as shown (HH:MM). A time right at the window's edge would drop out of it while the
    journey goes on, and the booking would be refused (rightly) at the confirm step."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    safe_from = timezone.now() + dt.timedelta(hours=settings.BOOKING_MIN_LEAD_HOURS, minutes=30)
    for _ in range(14):
        next_free = page.get_by_role("link", name=re.compile(r"^Next free day"))
        if next_free.count():
            next_free.click()
        page.locator("#picker .slot-grid input[name=start]").first.wait_for(state="attached")
        for radio in page.locator("#picker .slot-grid input[name=start]").all():
            if dt.datetime.fromisoformat(radio.get_attribute("value")) >= safe_from:
                label = page.locator(f"#picker label[for='{radio.get_attribute('id')}']")
                text = label.inner_text().strip()
                label.click()
                return text
        day = page.locator("#picker input[name=date]").get_attribute("value")
        following = page.locator("#picker .day-strip li:has(a.selected) + li a")
        (following if following.count() else page.get_by_role("link", name=re.compile("Later"))).first.click()
        page.wait_for_function(
            "day => document.querySelector('#picker input[name=date]').value !== day", arg=day
        )
    raise AssertionError("no free time in the next two weeks")


def choose_medical_aid(page, *, plan: str, member_number: str) -> None:
    """On the payment step: pay with a medical aid, choosing the first plan whose name has `plan`."""
    page.get_by_role("radio", name=re.compile("With my medical aid")).check()
    select = page.get_by_label("Medical aid and plan")
    select.select_option(label=select.locator("option", has_text=plan).first.inner_text())
    page.get_by_label("Member number").fill(member_number)


def worklist_row(page, patient_name: str):
    """The staff worklist's row for this patient."""
    return page.locator("tbody tr", has_text=patient_name)


def start_or_continue_report(page, row) -> None:
    """From a reporting-worklist row to the report editor: "Start report" (a button when the scan type has
    no template; a link to the template picker, default preselected, when it has), or "Continue draft"."""
    start = row.get_by_role("button", name="Start report").or_(row.get_by_role("link", name="Start report"))
    (start if start.count() else row.get_by_role("link", name="Continue draft")).first.click()
    page.wait_for_url(re.compile(r"/reports/(\d+/edit|appointment/\d+/start)/"))
    if "/start/" in page.url:
        page.get_by_role("button", name="Start the draft").click()
    page.wait_for_url(re.compile(r"/reports/\d+/edit/"))
