"""A small public site for tests: one page of every type under the existing HomePage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wagtail.models import Site

from cms.models import (
    ContactPage,
    ContentPage,
    HomePage,
    HomePageFeaturedScan,
    NewsIndexPage,
    NewsPage,
    PricingPage,
    ScanTypeIndexPage,
    ScanTypePage,
)
from portal.catalogue.models import Modality
from portal.catalogue.tests.factories import CoverRuleFactory, PlanFactory, ScanTypeFactory
from portal.core.models import PracticeSettings


def _add(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def build_site() -> dict:
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    settings = PracticeSettings.for_site(site)
    settings.practice_name = "Testbridge Imaging"
    settings.phone = "+263 242 000 111"
    settings.email = "hello@testbridge.example"
    settings.address = "1 Test Road\nHarare"
    settings.opening_hours = "Mon–Fri 08:00–17:00"
    settings.save()

    mri = ScanTypeFactory(code="mri-knee", name="MRI knee", modality=Modality.MRI, price=Decimal("420.00"),
                          duration_minutes=40, preparation="<p>Remove all metal.</p>", needs_referral=True)
    xray = ScanTypeFactory(code="xr-chest", name="Chest X-ray", modality=Modality.XRAY, price=Decimal("35.00"),
                           duration_minutes=10)
    plan = PlanFactory(name="Classic", scheme__name="Zambezi Health")
    CoverRuleFactory(plan=plan, modality=Modality.MRI, percent_covered=Decimal("70"),
                     tariff_cap=Decimal("300"), co_payment=Decimal("20"))
    CoverRuleFactory(plan=plan, modality=Modality.XRAY, percent_covered=Decimal("100"))

    home.featured_scans.add(HomePageFeaturedScan(scan_type=mri, sort_order=0))
    home.save_revision().publish()
    about = _add(home, ContentPage(title="About us", slug="about", intro="Who we are.", show_in_menus=True,
                                   body=[("heading", {"text": "Our team", "size": "h2"})]))
    index = _add(home, ScanTypeIndexPage(title="Scans", slug="scans", show_in_menus=True))
    mri_page = _add(index, ScanTypePage(title="MRI knee", slug="mri-knee", scan_type=mri,
                                        summary="Pictures of the knee."))
    xray_page = _add(index, ScanTypePage(title="Chest X-ray", slug="xr-chest", scan_type=xray,
                                         summary="A picture of the chest."))
    pricing = _add(home, PricingPage(title="Prices", slug="pricing", show_in_menus=True))
    contact = _add(home, ContactPage(title="Contact", slug="contact", intro="Talk to us."))
    news_index = _add(home, NewsIndexPage(title="News", slug="news"))
    news = _add(news_index, NewsPage(title="New MRI scanner", slug="new-mri", intro="Our new scanner is open.",
                                     date=dt.date(2026, 11, 1)))
    return {
        "site": site, "home": HomePage.objects.get(pk=home.pk), "about": about, "index": index,
        "mri_page": mri_page, "xray_page": xray_page, "pricing": pricing, "contact": contact,
        "news_index": news_index, "news": news, "mri": mri, "xray": xray, "plan": plan,
    }
