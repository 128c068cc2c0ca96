from __future__ import annotations

import dataclasses

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.core.models import PracticeSettings
from portal.core.practice import VERSION_KEY, PracticeDetails, practice_details
from portal.core.tests.factories import set_practice_details

pytestmark = pytest.mark.django_db


def test_without_saved_details_the_defaults_are_shown_and_nothing_is_written():
    PracticeSettings.objects.all().delete()
    details = practice_details()
    assert details == PracticeDetails()
    assert details.name == "Radiology Portal"
    assert not PracticeSettings.objects.exists()


def test_the_details_are_a_frozen_value_with_the_hours_as_lines():
    set_practice_details(practice_name="Harare Imaging", phone="+263 24 270 0000", report_letterhead="Reg. 123",
                         opening_hours="Mon–Fri 07:30–18:00\n\n Sat 08:00–12:00 ")
    details = practice_details()
    assert (details.name, details.phone, details.letterhead) == ("Harare Imaging", "+263 24 270 0000", "Reg. 123")
    assert details.opening_hours == ("Mon–Fri 07:30–18:00", "Sat 08:00–12:00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        details.name = "Other"  # type: ignore[misc]


def test_a_second_read_costs_no_query(django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(practice_name="Harare Imaging")
    practice_details()
    with django_assert_num_queries(0):
        assert practice_details().name == "Harare Imaging"


def test_a_saved_change_is_read_at_once_in_this_process():
    """Before the save commits too: the saving request shows what it saved."""
    set_practice_details(phone="+263 1")
    assert practice_details().phone == "+263 1"
    set_practice_details(phone="+263 2")
    assert practice_details().phone == "+263 2"


def test_a_committed_change_tells_every_other_process_to_read_again(django_capture_on_commit_callbacks):
    practice_details()
    before = cache.get(VERSION_KEY)
    assert before
    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(phone="+263 3")
    assert cache.get(VERSION_KEY) not in (None, before)


def test_a_copy_kept_under_an_old_version_is_not_used(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(phone="+263 4")
    assert practice_details().phone == "+263 4"
    PracticeSettings.objects.update(phone="+263 5")  # as another process would save it (no signal here)
    assert practice_details().phone == "+263 4"
    cache.set(VERSION_KEY, "renewed-by-another-process")
    assert practice_details().phone == "+263 5"


def test_every_page_gets_the_practice_from_the_context_processor(client):
    set_practice_details(practice_name="Harare Imaging Centre")
    response = client.get(reverse("account_login"))
    assert response.context["practice"].name == "Harare Imaging Centre"
    assert "Harare Imaging Centre" in response.content.decode()


def test_no_currency_symbol_setting_money_uses_the_one_currency_code(settings):
    """Issue 18: `currency_symbol` was edited in Wagtail but never used (money goes through
    portal/core/money.py with settings.CURRENCY), so the field is gone."""
    from portal.core.money import format_money

    field_names = {f.name for f in PracticeSettings._meta.get_fields()}
    assert "currency_symbol" not in field_names
    assert "currency_symbol" not in {f.name for f in dataclasses.fields(PracticeDetails)}
    settings.CURRENCY = "USD"
    assert format_money("12") == "USD 12.00"


def test_each_use_of_the_logo_has_its_own_file_so_threads_do_not_share_one_open_file():
    """The details are kept per process and read by every thread of the server; two threads making the
    logo's first rendition at once read through one shared open file and one of them failed with
    "Truncated File Read" (a 500 in the cluster's booking race, issue 20)."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGB", (96, 96), (11, 93, 122)).save(buffer, "PNG")
    logo = get_image_model().objects.create(title="Logo", file=ImageFile(buffer, name="logo.png"))
    set_practice_details(practice_name="Harare Imaging", logo=logo)
    details = practice_details()
    first, second = details.logo, details.logo
    assert first.pk == second.pk == logo.pk
    assert first is not second and first.file is not second.file
    assert first.file.instance is first  # a rendition made from the copy reads the copy's file
    assert first.get_rendition("height-48").height == 48
