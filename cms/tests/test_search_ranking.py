"""Site search ranks a modality's scan pages above the home page for that modality (issue 18)."""

from __future__ import annotations

import re

import pytest

from cms.models import ContentPage

pytestmark = pytest.mark.django_db


def _titles(client, query: str) -> list[str]:
    page = client.get("/search/", {"q": query}).content.decode()
    results = page.split('class="list-unstyled search-results', 1)[1]
    return re.findall(r'<h3 class="h5 mb-1"><a href="[^"]+">([^<]+)</a></h3>', results)


@pytest.fixture
def wordy_home(site_tree):
    """A home page (and an about page) that say "MRI" and "X-ray" more often than any scan page does."""
    home = site_tree["home"]
    home.hero_text = "MRI, CT, X-ray and ultrasound. MRI in Harare: MRI the same week, X-ray while you wait."
    home.body = "<p>Our MRI and X-ray rooms: MRI MRI MRI. X-ray X-ray X-ray.</p>"
    home.save_revision().publish()
    about = ContentPage.objects.get(pk=site_tree["about"].pk)
    about.intro = "We run MRI and X-ray. MRI MRI MRI. X-ray X-ray."
    about.save_revision().publish()
    return site_tree


@pytest.mark.parametrize(("query", "first"), [("MRI", "MRI knee"), ("mri", "MRI knee"), ("X-ray", "Chest X-ray"),
                                              ("xray", "Chest X-ray")])
def test_the_scan_page_of_a_modality_comes_first_for_its_own_query(client, wordy_home, query, first):
    titles = _titles(client, query)
    assert titles and titles[0] == first, titles
    home_title = wordy_home["home"].title
    if home_title in titles:
        assert titles.index(first) < titles.index(home_title)


def test_a_title_match_ranks_above_a_body_only_match(client, wordy_home):
    titles = _titles(client, "scanner")
    assert titles[0] == "New MRI scanner"


def test_the_search_box_has_no_valid_tick(client, wordy_home):
    page = client.get("/search/", {"q": "MRI"}).content.decode()
    assert "is-valid" not in page and "was-validated" not in page
