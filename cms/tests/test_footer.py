"""The footer is rendered once per process and host, and afresh when what it shows changes (cms.footer)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test.signals import template_rendered
from django.urls import reverse

from portal.core.practice import VERSION_KEY
from portal.core.tests.factories import set_practice_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def footer_renders():
    names = []

    def record(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield lambda: names.count("includes/footer.html")
    template_rendered.disconnect(record)


def test_the_footer_is_rendered_once_and_again_after_the_practice_changes(client, footer_renders,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(phone="+263 24 270 1111")
    for _ in range(3):
        assert "+263 24 270 1111" in client.get(reverse("login")).content.decode()
    assert footer_renders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(phone="+263 24 270 2222")
    page = client.get(reverse("login")).content.decode()
    assert "+263 24 270 2222" in page and "+263 24 270 1111" not in page
    assert footer_renders() == 2


def test_another_servers_change_renews_the_footer_here(client, footer_renders, django_capture_on_commit_callbacks):
    from portal.core.models import PracticeSettings

    with django_capture_on_commit_callbacks(execute=True):
        set_practice_details(phone="+263 24 270 1111")
    client.get(reverse("login"))
    PracticeSettings.objects.update(phone="+263 24 270 3333")  # saved by another process: no signal here
    assert "+263 24 270 3333" not in client.get(reverse("login")).content.decode()
    cache.set(VERSION_KEY, "renewed-by-the-other-process")  # what its commit does
    assert "+263 24 270 3333" in client.get(reverse("login")).content.decode()


def test_each_host_has_its_own_footer(client, footer_renders, settings):
    settings.ALLOWED_HOSTS = ["testserver", "branch.example.test"]
    client.get(reverse("login"))
    client.get(reverse("login"), HTTP_HOST="branch.example.test")
    client.get(reverse("login"), HTTP_HOST="branch.example.test")
    assert footer_renders() == 2


def test_nothing_is_kept_while_this_thread_saves_what_the_footer_shows():
    from django.db import transaction

    from cms.menu import menu_memo
    from portal.core.practice import practice_details_stamp

    assert practice_details_stamp() is not None
    with transaction.atomic():
        set_practice_details(phone="+263 24 270 4444")
        assert practice_details_stamp() is None  # cms.footer renders, and keeps nothing
        assert menu_memo.stamp() is not None  # the others are unaffected


def test_made_up_host_names_do_not_grow_the_kept_footers_without_bound(client, settings):
    from cms.footer import footer_memo

    settings.ALLOWED_HOSTS = [".example.test"]
    for number in range(footer_memo.max_keys * 2):
        assert client.get(reverse("login"), HTTP_HOST=f"b{number}.example.test:8{number}").status_code == 200
    kept = footer_memo._kept[1]
    assert 0 < len(kept) <= footer_memo.max_keys
    assert {key[0] for key in kept} <= {f"b{n}.example.test" for n in range(footer_memo.max_keys * 2)}
