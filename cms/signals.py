"""Clear the anonymous page cache whenever what a public page shows may have changed."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, published, unpublished

from cms.cache import clear_page_cache


def _clear(sender, **kwargs) -> None:
    clear_page_cache()


def connect() -> None:
    from wagtail.models import Page

    from portal.catalogue.models import CoverRule, MedicalAidScheme, Plan, ScanType
    from portal.core.models import PracticeSettings

    page_published.connect(_clear, dispatch_uid="cms_cache_page_published")
    page_unpublished.connect(_clear, dispatch_uid="cms_cache_page_unpublished")
    published.connect(_clear, dispatch_uid="cms_cache_published")  # snippets: a scan type's new price
    unpublished.connect(_clear, dispatch_uid="cms_cache_unpublished")
    post_delete.connect(_clear, sender=Page, dispatch_uid="cms_cache_page_deleted")
    for model in (ScanType, MedicalAidScheme, Plan, CoverRule, PracticeSettings):
        name = model._meta.label_lower
        post_save.connect(_clear, sender=model, dispatch_uid=f"cms_cache_saved_{name}")
        post_delete.connect(_clear, sender=model, dispatch_uid=f"cms_cache_deleted_{name}")
