"""What a signed-in page costs: the page chrome (practice details, menu, opening hours) is kept per
process behind one shared-cache read, and a page writes nothing but its audit row (issue 22)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import Page, Site

from portal.accounts.roles import Role
from portal.accounts.tests.factories import user_with_role
from portal.booking.models import OpeningHours
from portal.booking.tests.factories import RoomFactory
from portal.core import process_memo
from portal.core.practice import VERSION_KEY, practice_details
from portal.core.tests.factories import set_practice_details

pytestmark = pytest.mark.django_db

DATABASE_CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def _sql(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


def _writes(ctx) -> list[str]:
    return [sql for sql in _sql(ctx) if sql.lstrip().split(None, 1)[0].upper() in WRITES]


def _logo():
    buffer = io.BytesIO()
    PILImage.new("RGB", (96, 96), (11, 93, 122)).save(buffer, "PNG")
    from django.core.files.images import ImageFile

    return get_image_model().objects.create(title="Logo", file=ImageFile(buffer, name="logo.png"))


@pytest.fixture
def database_cache():
    """The production default without Redis: the shared cache is a database table."""
    with override_settings(CACHES={**settings.CACHES, "default": DATABASE_CACHE}):
        call_command("createcachetable", verbosity=0)  # in the test's transaction: gone after it
        yield


@pytest.fixture
def patient_client(client):
    client.force_login(user_with_role(Role.PATIENT))
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of what the test saves, as a real commit would."""
    def run(save, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return save(*args, **kwargs)
    return run


@pytest.mark.parametrize("name", ["accounts:dashboard", "booking:list", "reports:mine"])
def test_a_signed_in_page_writes_only_its_audit_row(database_cache, patient_client, committed, name):
    committed(set_practice_details, practice_name="Harare Imaging", logo=_logo())  # the footer shows it
    patient_client.get(reverse(name))  # the session's first request: expiry and activity are stored
    patient_client.get(reverse(name))
    with CaptureQueriesContext(connection) as ctx:
        response = patient_client.get(reverse(name))
    assert response.status_code == 200 and "footer-logo" in response.content.decode()
    writes = _writes(ctx)
    assert len(writes) == 1 and writes[0].lstrip().startswith('INSERT INTO "core_auditevent"'), writes


def test_the_page_chrome_costs_one_cache_read_and_no_site_menu_or_hours_query(database_cache, patient_client,
                                                                               committed):
    committed(set_practice_details, practice_name="Harare Imaging", logo=_logo())
    patient_client.get(reverse("accounts:dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        response = patient_client.get(reverse("accounts:dashboard"))
    assert "Harare Imaging" in response.content.decode()
    sql = _sql(ctx)
    assert len([s for s in sql if "portal_cache" in s]) == 1
    for table in ("wagtailcore_site", "wagtailcore_page", "booking_openinghours", "core_practicesettings",
                  "wagtailimages"):
        assert not [s for s in sql if f'"{table}' in s], table


def test_reading_a_report_writes_its_access_row_and_audit_row_and_checks_no_related_row(database_cache, client,
                                                                                        committed):
    from portal.reports.models import ReportAccess
    from portal.reports.tests.factories import signed_report

    committed(set_practice_details, practice_name="Harare Imaging", logo=_logo())
    report = signed_report()
    client.force_login(report.appointment.patient)
    client.get(reverse("reports:view", args=[report.pk]))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("reports:view", args=[report.pk])).status_code == 200
    writes = [sql.split('"')[1] for sql in _writes(ctx)]
    assert sorted(writes) == ["core_auditevent", "reports_reportaccess"]
    assert not [s for s in _sql(ctx) if s.startswith('SELECT 1 AS "a"')]  # the loaded report and user exist
    assert ReportAccess.objects.filter(report=report, action="view").count() == 2


def test_a_page_published_elsewhere_is_in_the_next_pages_menu(patient_client):
    home = Site.objects.get(is_default_site=True).root_page
    patient_client.get(reverse("accounts:dashboard"))
    page = home.add_child(instance=Page(title="Our new MRI", slug="our-new-mri", show_in_menus=True, live=True))
    response = patient_client.get(reverse("accounts:dashboard"))
    assert "Our new MRI" in response.content.decode() and page.url in response.content.decode()
    page.unpublish()
    assert "Our new MRI" not in patient_client.get(reverse("accounts:dashboard")).content.decode()


def test_another_processs_change_is_read_on_the_next_request(patient_client, committed):
    committed(set_practice_details, phone="+263 24 111")
    assert "+263 24 111" in patient_client.get(reverse("accounts:dashboard")).content.decode()
    from portal.core.models import PracticeSettings

    PracticeSettings.objects.update(phone="+263 24 222")  # saved by another process: no signal here
    assert "+263 24 111" in patient_client.get(reverse("accounts:dashboard")).content.decode()
    cache.set(VERSION_KEY, "renewed-by-the-other-process")  # what its commit does
    assert "+263 24 222" in patient_client.get(reverse("accounts:dashboard")).content.decode()


def test_changed_opening_hours_are_in_the_next_pages_footer(patient_client, committed):
    committed(lambda: OpeningHours.objects.all().delete())
    room = committed(RoomFactory, name="X-ray 1")
    committed(OpeningHours.objects.create, room=room, weekday=0, opens=dt.time(7, 30), closes=dt.time(17, 0))
    assert "Mon 07:30–17:00" in patient_client.get(reverse("accounts:dashboard")).content.decode()
    committed(OpeningHours.objects.create, room=room, weekday=1, opens=dt.time(7, 30), closes=dt.time(17, 0))
    assert "Mon–Tue 07:30–17:00" in patient_client.get(reverse("accounts:dashboard")).content.decode()


def test_the_footer_logo_rendition_is_kept_per_process():
    logo = _logo()
    rendition = logo.get_rendition("height-48")
    key = rendition.construct_cache_key(logo, Filter(spec="height-48").get_cache_key(logo), "height-48")
    from django.core.cache import caches

    assert caches["renditions"].get(key) is not None
    assert cache.get(key) is None  # not in the shared cache: nothing written there per page


# --- the per-process copies themselves ---------------------------------------------------------


def test_in_a_request_the_stamps_are_read_once_for_every_copy(django_assert_num_queries, committed):
    committed(set_practice_details, practice_name="Harare Imaging")
    practice_details()
    reads = []
    original = cache.get_many
    try:
        cache.get_many = lambda keys, **kw: reads.append(list(keys)) or original(keys, **kw)
        with process_memo.request_scope():
            for _ in range(3):
                assert practice_details().name == "Harare Imaging"
    finally:
        del cache.get_many
    assert len(reads) == 1 and VERSION_KEY in reads[0] and len(reads[0]) >= 3


@pytest.mark.django_db(transaction=True)
def test_a_save_that_rolls_back_leaves_the_copy_usable(django_assert_num_queries):
    set_practice_details(practice_name="Harare Imaging")  # autocommit: committed at once
    with pytest.raises(RuntimeError), transaction.atomic():
        set_practice_details(practice_name="Never saved")
        assert practice_details().name == "Never saved"  # the saving thread reads what it saved
        raise RuntimeError
    assert practice_details().name == "Harare Imaging"
    with django_assert_num_queries(0):  # kept again, not read from the database on every call
        assert practice_details().name == "Harare Imaging"


def test_a_save_rolled_back_in_an_earlier_request_does_not_leave_the_thread_bypassing_the_copies(patient_client):
    """A save marks its thread as "saving" until the commit; a rollback never commits. The next
    request on that thread starts clean, so the chrome is served from the copy again."""
    from django.db import transaction

    from portal.core import process_memo

    patient_client.get(reverse("accounts:dashboard"))
    memo = next(iter(process_memo._memos.values()))
    with transaction.atomic():
        memo.changed()
        assert memo._saving_here()
    with process_memo.request_scope():
        assert not memo._saving_here()


def test_a_copy_keeps_a_bounded_number_of_keys():
    """Keys may come from a request (the menu's host name): made-up ones must not grow the process."""
    loads = []
    memo = process_memo.ProcessMemo("test-bounded-keys", lambda key: loads.append(key) or key.upper(), max_keys=3)
    try:
        assert [memo.get(key) for key in "abcde"] == list("ABCDE")
        assert 0 < len(memo._kept[1]) <= 3
        assert memo.get("e") == "E" and loads.count("e") == 1  # the newest is still kept
    finally:
        del process_memo._memos["test-bounded-keys"]


def test_the_menu_is_one_copy_whatever_port_the_host_header_names(patient_client, settings):
    from cms.menu import menu_memo

    settings.ALLOWED_HOSTS = ["testserver"]
    for port in range(8000, 8010):
        assert patient_client.get(reverse("accounts:dashboard"), HTTP_HOST=f"testserver:{port}").status_code == 200
    assert len(menu_memo._kept[1]) == 1
