"""Demo public site: practice details, home, about, contact, scans (a page per scan type), pricing, news.

Idempotent: pages, images and settings that already exist are left as they are; missing ones are added.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Page, Site

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
from portal.catalogue.models import ScanType
from portal.core.models import PracticeSettings

PRACTICE = {
    "practice_name": "Msasa Park Radiology",
    "tagline": "Specialist imaging in Harare",
    "phone": "+263 242 123 456",
    "email": "bookings@msasaparkradiology.example",
    "address": "14 Lomagundi Road\nMsasa Park Medical Centre\nHarare, Zimbabwe",
    "opening_hours": "Mon–Fri 07:30–18:00\nSaturday 08:00–13:00\nSunday and public holidays: closed",
    "report_letterhead": "Msasa Park Radiology · 14 Lomagundi Road, Harare · +263 242 123 456 · Practice no. RAD-0412",
}

SUMMARIES = {
    "xray": "A quick, low-dose picture of bones and the chest. You are in and out in minutes, no appointment "
            "stress and no preparation.",
    "us": "Sound waves show soft tissues and organs in real time. No radiation, no needles, and it is safe "
          "in pregnancy.",
    "ct": "A detailed 3D scan in a few seconds on our low-dose scanner, reported by a consultant radiologist.",
    "mri": "Detailed pictures of the brain, spine and joints using a magnetic field, without radiation, on our "
           "quiet wide-bore 1.5T scanner.",
    "mammo": "Digital breast imaging with a 3D (tomosynthesis) option, performed by female radiographers.",
    "dexa": "A painless, very low-dose scan that measures bone density to find osteoporosis early.",
    "fluoro": "Moving X-ray pictures, often with a contrast drink or dye, to see how organs work.",
}

SCAN_SUMMARIES = {
    "xr-chest": "A quick, low-dose picture of the lungs and heart: for coughs, chest infections and check-ups.",
    "xr-spine-lumbar": "X-rays of the lower back to look at the bones and alignment after injury or for back pain.",
    "xr-limb": "A quick X-ray of an arm, leg, hand or foot to look for fractures and joint problems.",
    "us-abdomen": "An ultrasound of the liver, gallbladder, kidneys, pancreas and spleen. No radiation, no needles.",
    "us-pelvis": "An ultrasound of the bladder, womb and ovaries, or the prostate. No radiation.",
    "us-obstetric": "See your baby: dating, growth and anatomy scans, with pictures to take home.",
    "us-breast": "Ultrasound of a breast lump or area of concern, often together with a mammogram.",
    "ct-brain": "A fast scan of the head for headaches, dizziness, head injury or stroke symptoms.",
    "ct-chest-contrast": "A detailed 3D scan of the lungs, heart and blood vessels, with contrast (dye) in a vein.",
    "ct-abdomen-pelvis": "A detailed scan of the organs of the abdomen and pelvis, with contrast to drink and "
                         "in a vein.",
    "mri-brain": "Detailed pictures of the brain without radiation, for headaches, epilepsy, MS and more.",
    "mri-knee": "Detailed pictures of the ligaments, cartilage and menisci after a twist or sports injury.",
    "mri-lumbar-spine": "Pictures of the discs, nerves and spinal cord, for back pain and sciatica.",
    "mammo-screening": "A routine breast X-ray for women without symptoms, usually from age 40. 3D available.",
    "mammo-diagnostic": "A mammogram to look at a lump, pain or other symptom, with extra views as needed.",
    "dexa-hip-spine": "A painless, very low-dose scan that measures bone density to find osteoporosis early.",
    "fluoro-barium-swallow": "Moving X-rays while you swallow a barium drink, to see how your gullet works.",
    "fluoro-hsg": "An X-ray test of the womb and fallopian tubes, often part of fertility investigations.",
}

FAQ = {
    "title": "Questions patients ask",
    "questions": [
        {"question": "Do I need a referral letter?",
         "answer": "<p>For CT, MRI and most contrast studies, yes. You can upload it when you book online.</p>"},
        {"question": "How soon will I get my results?",
         "answer": "<p>Most reports are ready within 24 hours. You can read and download yours in the portal, "
                   "and your doctor receives a copy.</p>"},
        {"question": "Will my medical aid pay?",
         "answer": "<p>Use the estimator on our pricing page: choose your medical aid, plan and scan to see what "
                   "your plan covers and what you pay.</p>"},
    ],
}


def _image(title: str, size: tuple[int, int], palette: tuple[tuple[int, int, int], tuple[int, int, int]],
           rings: bool = True):
    """A generated illustration (gradient with scanner-bore rings), made once and reused."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    width, height = size
    (r1, g1, b1), (r2, g2, b2) = palette
    img = PILImage.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / max(1, height - 1)
        colour = (int(r1 + (r2 - r1) * t), int(g1 + (g2 - g1) * t), int(b1 + (b2 - b1) * t))
        draw.line([(0, y), (width, y)], fill=colour)
    if rings:
        overlay = PILImage.new("RGBA", size, (0, 0, 0, 0))
        odraw = ImageDraw.Draw(overlay)
        cx, cy = int(width * 0.62), int(height * 0.5)
        for i, radius in enumerate(range(int(min(size) * 0.12), int(max(size) * 0.9), int(min(size) * 0.07))):
            alpha = max(10, 90 - i * 9)
            odraw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=(255, 255, 255, alpha),
                          width=max(2, int(min(size) * 0.012)))
        for k in range(40):
            angle = k * math.pi / 20
            x, y = cx + math.cos(angle) * min(size) * 0.3, cy + math.sin(angle) * min(size) * 0.3
            odraw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(255, 255, 255, 120))
        overlay = overlay.filter(ImageFilter.GaussianBlur(1))
        img = PILImage.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=88)
    filename = title.lower().replace(" ", "-") + ".jpg"
    image = Image(title=title, file=ImageFile(buffer, name=filename))
    image.save()
    return image


def _logo():
    Image = get_image_model()
    existing = Image.objects.filter(title="Practice logo").first()
    if existing:
        return existing
    from PIL import Image as PILImage
    from PIL import ImageDraw

    img = PILImage.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse([8, 8, 248, 248], fill=(11, 93, 122, 255))
    draw.ellipse([58, 58, 198, 198], outline=(255, 255, 255, 255), width=18)
    draw.rectangle([116, 84, 140, 172], fill=(23, 162, 162, 255))
    draw.rectangle([84, 116, 172, 140], fill=(23, 162, 162, 255))
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    image = Image(title="Practice logo", file=ImageFile(buffer, name="practice-logo.png"))
    image.save()
    return image


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _child(parent: Page, model, slug: str, **fields):
    """The live child `slug` of `parent`, created and published when missing. Returns (page, created)."""
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing is not None:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    _publish(page)
    return page, True


@transaction.atomic
def seed(*, stdout, style, options) -> None:
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    if not isinstance(home, HomePage):
        stdout.write(style.WARNING("  the default site's root is not a HomePage: public site not seeded"))
        return

    practice = PracticeSettings.for_site(site)
    if not practice.phone:
        for name, value in PRACTICE.items():
            setattr(practice, name, value)
        practice.logo = _logo()
        practice.full_clean()
        practice.save()

    hero = _image("Hero imaging suite", (1600, 1200), ((9, 62, 84), (23, 150, 160)))
    created = 0

    if not home.featured_scans.exists():
        home.title = "Home"
        home.seo_title = f"{PRACTICE['practice_name']}: X-ray, ultrasound, CT and MRI in Harare"
        home.search_description = ("Book X-ray, ultrasound, CT, MRI, mammography and bone density scans online. "
                                   "See prices and what your medical aid pays before you book.")
        home.hero_title = "Expert imaging, booked in minutes"
        home.hero_text = ("X-ray, ultrasound, CT, MRI, mammography and bone density under one roof, reported by "
                          "specialist radiologists. See your price and medical-aid cover before you book.")
        home.hero_image = hero
        home.body = ("<p>We are an independent radiology practice in Msasa Park. Most scans can be booked online "
                     "today, and your report is ready in the portal, usually within 24 hours.</p>")
        for order, code in enumerate(["mri-knee", "ct-brain", "us-abdomen", "mammo-screening"]):
            scan = ScanType.objects.filter(code=code).first()
            if scan:
                home.featured_scans.add(HomePageFeaturedScan(scan_type=scan, sort_order=order))
        _publish(home)

    about_image = _image("Our reception", (1200, 800), ((230, 243, 246), (160, 210, 218)))
    _, was = _child(
        home, ContentPage, "about", title="About us", show_in_menus=True, image=about_image,
        intro="A radiology practice run by radiologists, for patients and the doctors who refer them.",
        search_description="Who we are: specialist radiologists, modern low-dose equipment, reports within a day.",
        body=json.dumps([
            {"type": "paragraph", "value": "<p>Msasa Park Radiology opened in 2009 and today performs more than "
             "30,000 examinations a year. Our five consultant radiologists report every scan, and our "
             "radiographers are registered with the Allied Health Practitioners Council.</p>"},
            {"type": "heading", "value": {"text": "Our equipment", "size": "h2"}},
            {"type": "table", "value": {
                "caption": "Our scanners",
                "columns": ["Modality", "Equipment", "Good to know"],
                "rows": [["MRI", "1.5T wide-bore", "Quieter and roomier: easier if you dislike closed spaces"],
                         ["CT", "128-slice low-dose", "Most scans take under 10 seconds"],
                         ["Mammography", "Digital with 3D tomosynthesis", "Female radiographers"],
                         ["Ultrasound", "Three rooms, 4D obstetric", "Same-day appointments"]]}},
            {"type": "faq", "value": FAQ},
            {"type": "call_to_action", "value": {"title": "Book your scan online",
             "text": "Choose a time that suits you; we confirm by email and SMS.", "button_label": "Book a scan",
             "page": None, "url": ""}},
        ]),
    )
    created += was

    scans, was = _child(
        home, ScanTypeIndexPage, "scans", title="Scans", show_in_menus=True,
        intro="<p>Everything we offer, with the price, how long it takes and how to prepare. "
              "Filter by the kind of scan.</p>",
        search_description="All our scans: X-ray, ultrasound, CT, MRI, mammography, DEXA and fluoroscopy.",
    )
    created += was
    for scan in ScanType.objects.live().order_by("modality", "name"):
        if ScanTypePage.objects.filter(scan_type=scan).exists():
            continue
        _, was = _child(
            scans, ScanTypePage, scan.code, title=scan.name, scan_type=scan,
            summary=SCAN_SUMMARIES.get(scan.code) or SUMMARIES.get(scan.modality, ""),
            search_description=f"{scan.name} at {PRACTICE['practice_name']}: price, preparation and online booking.",
            body=json.dumps([
                {"type": "heading", "value": {"text": "On the day", "size": "h2"}},
                {"type": "paragraph", "value": "<p>Please arrive 15 minutes early with your ID, your medical-aid "
                 "card and any previous images. A radiographer explains the examination and answers your "
                 "questions before you start.</p>"},
                {"type": "faq", "value": FAQ},
            ]),
        )
        created += was

    _, was = _child(
        home, PricingPage, "pricing", title="Prices and medical aid", show_in_menus=True,
        intro="<p>Our prices for every scan, and what your medical aid is likely to pay. Prices include the "
              "radiologist's report.</p>",
        footnote="<p>Prices in US dollars, including the report. Contrast, where needed, is included.</p>",
        search_description="Scan prices and a medical-aid estimator: see what you pay before you book.",
    )
    created += was
    news, was = _child(
        home, NewsIndexPage, "news", title="News", show_in_menus=True, intro="What's new at the practice.",
    )
    created += was
    for slug, title, days_ago, intro, palette in [
        ("wide-bore-mri", "Our new wide-bore MRI is open", 20,
         "A quieter, roomier MRI scanner means shorter waits and an easier scan if you dislike closed spaces.",
         ((43, 58, 122), (90, 111, 208))),
        ("saturday-mammography", "Saturday mammography clinics", 6,
         "Screening mammograms are now available every Saturday morning: book online in two minutes.",
         ((138, 61, 107), (207, 111, 159))),
    ]:
        _, was = _child(
            news, NewsPage, slug, title=title, intro=intro, date=dt.date.today() - dt.timedelta(days=days_ago),
            image=_image(title, (1200, 675), palette),
            body=json.dumps([{"type": "paragraph", "value": f"<p>{intro}</p><p>Ask your doctor for a referral "
                              "where one is needed, then choose a time on our booking page.</p>"}]),
        )
        created += was
    _, was = _child(
        home, ContactPage, "contact", title="Contact", show_in_menus=True,
        intro="Call, email or visit us: we are happy to help you prepare for your scan.",
        directions="<p>Free parking in front of the Msasa Park Medical Centre. Kombis from town stop at the "
                   "Lomagundi Road turn-off, a two-minute walk away. Wheelchair access at the main entrance.</p>",
        map_url="https://www.openstreetmap.org/#map=17/-17.7840/31.0450",
    )
    created += was
    stdout.write(f"  public site: {created} pages created, {Page.objects.live().count() - 1} live pages")
