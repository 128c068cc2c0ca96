"""Wagtail page types of the public site, and the practice's details (site settings).

Prices, durations and preparation are never typed into pages: ScanTypePage and PricingPage read
them from the live catalogue (portal.catalogue), so a published price change shows everywhere.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import BodyBlock
from portal.catalogue.models import Modality, ScanType


class SitePage(Page):
    """What every public page shares: a social-sharing image, and cache-safe rendering."""

    social_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Shown when the page is shared on social media (Open Graph). Empty: the page's main image.",
    )

    promote_panels = [*Page.promote_panels, FieldPanel("social_image")]

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if not request.user.is_authenticated:
            # Anonymous pages are cached and shared between visitors (cms.cache): they must not carry
            # anyone's CSRF token. No public page posts a form; the estimator and search use GET.
            context["csrf_token"] = ""
        return context

    @property
    def sharing_image(self):
        return self.social_image


class HomePage(SitePage):
    """The practice's front page: hero, featured scans, a call to book, latest news and how to reach us."""

    hero_title = models.CharField(max_length=120, default="Imaging you can book in minutes")
    hero_text = models.TextField(
        blank=True,
        default="X-ray, ultrasound, CT, MRI and more, reported by specialist radiologists.",
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_cta_label = models.CharField(max_length=40, default="Book a scan")
    body = RichTextField(blank=True, help_text="A short welcome under the hero.")
    featured_title = models.CharField(max_length=120, default="Popular scans")
    call_to_book_title = models.CharField(max_length=120, default="Ready to book?")
    call_to_book_text = models.TextField(
        blank=True, default="Choose your scan and a time that suits you. We confirm by email and SMS."
    )
    news_title = models.CharField(max_length=120, default="News from the practice")

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image"), FieldPanel("hero_cta_label")],
            heading="Hero",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("featured_title"), InlinePanel("featured_scans", label="Featured scan", max_num=8)],
            heading="Featured scan types",
        ),
        MultiFieldPanel([FieldPanel("call_to_book_title"), FieldPanel("call_to_book_text")], heading="Call to book"),
        FieldPanel("news_title"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text"), index.SearchField("body")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ContentPage", "cms.ScanTypeIndexPage", "cms.PricingPage", "cms.ContactPage",
                     "cms.NewsIndexPage"]

    class Meta:
        verbose_name = "home page"

    @property
    def sharing_image(self):
        return self.social_image or self.hero_image

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        featured = [
            item.scan_type
            for item in self.featured_scans.select_related("scan_type").all()
            if item.scan_type.live
        ]
        pages = {
            page.scan_type_id: page
            for page in ScanTypePage.objects.live().public().filter(scan_type__in=featured)
        }
        context["featured"] = [(scan, pages.get(scan.pk)) for scan in featured]
        context["news"] = NewsPage.objects.live().public().select_related("image").order_by("-date", "-pk")[:3]
        context["scan_index"] = ScanTypeIndexPage.objects.live().public().first()
        context["contact_page"] = ContactPage.objects.live().public().first()
        return context


class HomePageFeaturedScan(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_scans")
    scan_type = models.ForeignKey(ScanType, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("scan_type")]


class ContentPage(SitePage):
    """A general page (about us, our team, patient information) built from the shared blocks."""

    intro = models.TextField(blank=True, help_text="One or two sentences under the title.")
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("image"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage"]

    class Meta:
        verbose_name = "content page"

    @property
    def sharing_image(self):
        return self.social_image or self.image


class ScanTypeIndexPage(SitePage):
    """All the scans the practice offers, filterable by modality (?modality=ct)."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    max_count = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ScanTypePage"]

    class Meta:
        verbose_name = "scan type index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        pages = sorted(
            ScanTypePage.objects.child_of(self).live().public()
            .filter(scan_type__live=True)
            .select_related("scan_type", "image"),
            key=lambda page: (Modality.values.index(page.scan_type.modality), page.scan_type.name),
        )
        present = sorted({page.scan_type.modality for page in pages}, key=Modality.values.index)
        modality = request.GET.get("modality", "")
        if modality in Modality.values:
            pages = [page for page in pages if page.scan_type.modality == modality]
        else:
            modality = ""
        context["scan_pages"] = pages
        context["modalities"] = [(value, Modality(value).label) for value in present]
        context["modality"] = modality
        context["modality_label"] = Modality(modality).label if modality else ""
        return context


class ScanTypePage(SitePage):
    """The marketing page of one scan. Price, duration and preparation come from its live ScanType."""

    scan_type = models.ForeignKey(
        ScanType, on_delete=models.PROTECT, related_name="pages",
        help_text="The catalogue entry: price, duration and preparation are shown from it.",
    )
    summary = models.TextField(help_text="What the scan is and what it is for, in plain words.")
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True, help_text="What to expect, FAQs, pictures.")

    content_panels = [
        *Page.content_panels,
        FieldPanel("scan_type"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("scan_type", [index.SearchField("name"), index.SearchField("body_part")]),
    ]

    parent_page_types = ["cms.ScanTypeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "scan type page"

    @property
    def sharing_image(self):
        return self.social_image or self.image

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Always the live catalogue row, read now: never a copy stored in the page's revision.
        context["scan"] = ScanType.objects.filter(pk=self.scan_type_id, live=True).first()
        context["pricing_page"] = PricingPage.objects.live().public().only("url_path").first()
        return context


class PricingPage(SitePage):
    """The price list, generated from the live catalogue, with the medical-aid estimator.

    The estimator is a GET form on this page (?scheme=&plan=&scan=); htmx swaps in only the result.
    """

    intro = RichTextField(blank=True)
    estimator_title = models.CharField(max_length=120, default="What will my medical aid pay?")
    estimator_text = models.TextField(
        blank=True, default="Choose your medical aid, your plan and the scan: we show what your plan covers and "
        "what you pay.",
    )
    footnote = RichTextField(blank=True, help_text="Shown under the price list, e.g. what prices include.")

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("estimator_title"), FieldPanel("estimator_text")], heading="Estimator"),
        FieldPanel("footnote"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    max_count = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "pricing page"

    def get_template(self, request, *args, **kwargs):
        if getattr(request, "htmx", False) and "scan" in request.GET:
            return "cms/includes/estimate_result.html"
        return super().get_template(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from cms.estimator import estimate_from

        context = super().get_context(request, *args, **kwargs)
        scans = list(ScanType.objects.live().order_by("modality", "name"))
        pages = {
            page.scan_type_id: page
            for page in ScanTypePage.objects.live().public().filter(scan_type__live=True).only("url_path", "scan_type")
        }
        groups: dict[str, list] = {}
        for scan in scans:
            groups.setdefault(scan.modality, []).append((scan, pages.get(scan.pk)))
        order = Modality.values
        context["price_groups"] = [
            (Modality(modality).label, groups[modality]) for modality in sorted(groups, key=order.index)
        ]
        context.update(estimate_from(request.GET, scans=scans))
        return context


class ContactPage(SitePage):
    """How to reach the practice: address, opening hours and phone from the practice details."""

    intro = models.TextField(blank=True)
    directions = RichTextField(blank=True, help_text="Parking, public transport, which entrance.")
    map_url = models.URLField(blank=True, help_text="A link to the practice on a map.")
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [
        *Page.content_panels, FieldPanel("intro"), FieldPanel("directions"), FieldPanel("map_url"), FieldPanel("body")
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("directions")]

    max_count = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "contact page"


class NewsIndexPage(SitePage):
    """The list of news items, newest first, ten to a page."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    max_count = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]

    class Meta:
        verbose_name = "news index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = NewsPage.objects.child_of(self).live().public().select_related("image").order_by("-date", "-pk")
        paginator = Paginator(items, 10)
        try:
            news = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            news = paginator.page(1)
        context["news"] = news
        return context


class NewsPage(SitePage):
    """One news item."""

    date = models.DateField(default=timezone.localdate)
    intro = models.TextField(help_text="The teaser shown on the home page and in the news list.")
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("intro"), FieldPanel("image"),
                      FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "news page"
        ordering = ["-date"]

    @property
    def sharing_image(self):
        return self.social_image or self.image
