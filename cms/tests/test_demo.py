"""seed_demo builds the public site and the catalogue, and running it twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision

from cms.models import HomePage, NewsPage, PricingPage, ScanTypePage
from portal.catalogue.models import CoverRule, MedicalAidScheme, Modality, Plan, ScanType
from portal.core.models import PracticeSettings

pytestmark = pytest.mark.django_db


def test_seed_builds_a_convincing_site_and_is_idempotent(client):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Page.objects.count(), ScanType.objects.count(), Plan.objects.count(), CoverRule.objects.count(),
              Revision.objects.count())
    assert ScanType.objects.bookable().count() >= 15
    assert set(ScanType.objects.values_list("modality", flat=True)) == set(Modality.values)
    assert 3 <= MedicalAidScheme.objects.count() <= 4
    assert ScanTypePage.objects.live().count() == ScanType.objects.live().count()
    assert NewsPage.objects.live().count() == 2
    assert PricingPage.objects.live().count() == 1
    home = HomePage.objects.get()
    assert home.featured_scans.count() == 4
    assert PracticeSettings.objects.get().phone

    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (Page.objects.count(), ScanType.objects.count(), Plan.objects.count(),
                      CoverRule.objects.count(), Revision.objects.count())

    for url in ["/", "/about/", "/scans/", "/scans/mri-knee/", "/pricing/", "/contact/", "/news/"]:
        assert client.get(url).status_code == 200, url
