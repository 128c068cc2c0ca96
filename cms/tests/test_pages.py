"""Every page type renders, for visitors and editors, and can be created in the Wagtail admin."""

from __future__ import annotations

from django.urls import reverse
from wagtail.fields import StreamField
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import (
    ContactPage,
    ContentPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PricingPage,
    ScanTypeIndexPage,
    ScanTypePage,
)
from cms.tests.utils import build_site
from portal.accounts.tests.factories import UserFactory, enable_totp


class PageTypesTests(WagtailPageTestCase):
    def setUp(self):
        self.tree = build_site()
        self.editor = UserFactory(is_superuser=True, is_staff=True)
        enable_totp(self.editor)
        self.client.force_login(self.editor)

    def test_every_page_type_renders_for_editors_and_anonymous_visitors(self):
        pages = [self.tree[name] for name in
                 ("home", "about", "index", "mri_page", "pricing", "contact", "news_index", "news")]
        assert {type(page.specific) for page in pages} == {
            HomePage, ContentPage, ScanTypeIndexPage, ScanTypePage, PricingPage, ContactPage, NewsIndexPage,
            NewsPage,
        }
        for page in pages:
            self.assertPageIsRenderable(page)
            self.client.force_login(self.editor)  # the helpers above log out when done
            edit = self.client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
            assert edit.status_code == 200, page
            if not any(isinstance(field, StreamField) for field in page.specific._meta.get_fields()):
                # (the helpers re-post the HTML form, which cannot carry a StreamField's JS-built data)
                self.assertPageIsEditable(page, user=self.editor)
                self.assertPageIsPreviewable(page, user=self.editor)
        self.client.logout()
        for page in pages:
            response = self.client.get(page.url)
            assert response.status_code == 200, page.url
            body = response.content.decode()
            assert "Testbridge Imaging" in body  # practice settings everywhere
            assert f"<title>{page.title}" in body

    def test_home_page_can_be_created_at_the_root(self):
        Site.objects.all().delete()
        HomePage.objects.all().delete()
        root = Page.objects.get(depth=1)
        self.assertCanCreate(root, HomePage, nested_form_data({
            "title": "Welcome", "slug": "welcome", "hero_title": "Imaging", "hero_text": "Scans.",
            "hero_cta_label": "Book", "body": rich_text("<p>Hi</p>"), "featured_title": "Popular",
            "call_to_book_title": "Book", "call_to_book_text": "", "news_title": "News",
            "featured_scans": inline_formset([{"scan_type": self.tree["mri"].pk}]),
        }))

    def test_content_page_with_every_block_can_be_created(self):
        self.assertCanCreate(self.tree["home"], ContentPage, nested_form_data({
            "title": "Our team", "intro": "The people.",
            "body": streamfield([
                ("heading", {"text": "Radiologists", "size": "h2"}),
                ("paragraph", rich_text("<p>Five consultants.</p>")),
                ("call_to_action", {"title": "Book", "text": "", "button_label": "Book", "page": "", "url": ""}),
                ("faq", {"title": "FAQ", "questions": streamfield([
                    ("item", {"question": "Q?", "answer": rich_text("<p>A.</p>")}),
                ])}),
                ("table", {"caption": "Hours", "columns": streamfield([("item", "Day"), ("item", "Hours")]),
                           "rows": streamfield([("item", streamfield([("item", "Mon"), ("item", "8-5")]))])}),
            ]),
        }))
        page = ContentPage.objects.get(slug="our-team")
        body = self.client.get(page.url).content.decode()
        assert "Five consultants." in body and '<th scope="row">Mon</th>' in body and "Q?" in body

    def test_scan_type_page_can_be_created(self):
        from portal.catalogue.tests.factories import ScanTypeFactory

        scan = ScanTypeFactory(code="ct-brain", name="CT brain")
        self.assertCanCreate(self.tree["index"], ScanTypePage, nested_form_data({
            "title": "CT brain", "scan_type": scan.pk, "summary": "A scan of the head.", "body": streamfield([]),
        }))

    def test_one_of_pages_can_be_created_when_missing(self):
        home = self.tree["home"]
        for model, data in [
            (ScanTypeIndexPage, {"title": "All scans", "intro": rich_text("<p>All.</p>")}),
            (PricingPage, {"title": "Pricing", "intro": rich_text(""), "estimator_title": "Estimate",
                           "estimator_text": "", "footnote": rich_text("")}),
            (ContactPage, {"title": "Contact us", "intro": "", "directions": rich_text(""), "map_url": "",
                           "body": streamfield([])}),
            (NewsIndexPage, {"title": "Latest news", "intro": ""}),
        ]:
            model.objects.all().delete()
            self.assertCanCreate(home, model, nested_form_data(data))

    def test_news_page_can_be_created(self):
        self.assertCanCreate(self.tree["news_index"], NewsPage, nested_form_data({
            "title": "Open on Saturdays", "date": "2026-11-20", "intro": "Now open.", "body": streamfield([]),
        }))

    def test_page_tree_rules(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(ScanTypeIndexPage, {ScanTypePage})
        self.assertAllowedParentPageTypes(ScanTypePage, {ScanTypeIndexPage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertCanNotCreateAt(HomePage, ScanTypePage)
        for model in (HomePage, PricingPage, ScanTypeIndexPage, ContactPage, NewsIndexPage):
            assert model.max_count == 1
        assert not PricingPage.can_create_at(self.tree["home"])  # there is one already
