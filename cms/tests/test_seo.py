"""Titles, descriptions, Open Graph, sitemap, robots.txt, site search, responsive images."""

from __future__ import annotations

import io

import pytest
from django.core.files.images import ImageFile
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def _image(title="Hero"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), (10, 90, 120)).save(buffer, "JPEG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name="hero.jpg"))


def test_pages_have_title_description_and_open_graph_tags(client, site_tree):
    page = site_tree["mri_page"]
    page.seo_title = "MRI knee scan in Harare"
    page.search_description = "Book an MRI of the knee online."
    page.save_revision().publish()
    body = client.get(page.url).content.decode()
    assert "<title>MRI knee scan in Harare · Testbridge Imaging</title>" in body
    assert '<meta name="description" content="Book an MRI of the knee online.">' in body
    assert '<meta property="og:title" content="MRI knee scan in Harare">' in body
    assert '<meta property="og:url" content="http://testserver/scans/mri-knee/">' in body
    assert '<meta property="og:site_name" content="Testbridge Imaging">' in body
    assert '<link rel="canonical" href="http://testserver/scans/mri-knee/">' in body


def test_a_page_without_a_description_falls_back_to_its_summary(client, site_tree):
    body = client.get(site_tree["mri_page"].url).content.decode()
    assert '<meta name="description" content="Pictures of the knee.">' in body


def test_open_graph_image_and_responsive_hero_come_from_renditions(client, site_tree):
    home = site_tree["home"]
    home.hero_image = _image()
    home.save_revision().publish()
    body = client.get(home.url).content.decode()
    assert '<meta property="og:image" content="http://testserver/' in body
    assert 'og:image:width" content="1200"' in body
    assert "srcset=" in body and "sizes=" in body
    assert home.hero_image.renditions.count() >= 3


def test_news_pages_are_articles(client, site_tree):
    assert '<meta property="og:type" content="article">' in client.get(site_tree["news"].url).content.decode()


def test_sitemap_lists_the_public_pages(client, site_tree):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("mri_page", "pricing", "contact", "news"):
        assert f"{site_tree[name].url}</loc>" in body


def test_robots_txt_points_at_the_sitemap(client, site_tree):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_site_search_finds_pages_anonymously(client, site_tree):
    response = client.get("/search/", {"q": "knee"})
    assert response.status_code == 200
    body = response.content.decode()
    assert site_tree["mri_page"].url in body
    assert "result" in body
    empty = client.get("/search/", {"q": "zzzqqqxxx"})
    assert "Nothing matched" in empty.content.decode()


def test_search_survives_odd_input(client, site_tree):
    for params in ({"q": "x" * 5000}, {"q": "knee", "page": "abc"}, {"q": "knee", "page": "999"}, {}):
        assert client.get("/search/", params).status_code == 200


def test_menu_shows_pages_marked_for_menus(client, site_tree):
    body = client.get(site_tree["home"].url).content.decode()
    assert f'href="{site_tree["about"].url}"' in body
    assert f'href="{site_tree["pricing"].url}"' in body
