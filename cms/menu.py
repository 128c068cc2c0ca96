"""The site's main menu (header and footer of every page), kept per process and host.

Finding the Site, its menu pages and their URLs took three queries on every page. The menu is a
`ProcessMemo` (portal.core.process_memo): loaded once per process and host, and loaded again everywhere
after a page or a site is saved, published, unpublished, moved or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Page, Site

from portal.core.process_memo import ProcessMemo


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    url_path: str  # for marking the current page's section


def _load(host: str, port: str, *, request: HttpRequest) -> tuple[MenuItem, ...]:
    site = Site.find_for_request(request)
    if site is None:
        return ()
    pages = site.root_page.get_children().live().in_menu().only("title", "url_path")
    return tuple(MenuItem(title=page.title, url=page.get_url(request=request) or "", url_path=page.url_path)
                 for page in pages)


menu_memo: ProcessMemo[tuple[MenuItem, ...]] = ProcessMemo("site-menu", _load)


def menu_for(request: HttpRequest) -> tuple[MenuItem, ...]:
    # keyed as Wagtail finds the Site: the host name without the Host header's port, and the server's port
    return menu_memo.get(split_domain_port(request.get_host())[0], str(request.get_port()), request=request)


def _page_changed(sender, instance=None, **kwargs) -> None:
    if isinstance(instance, (Page, Site)):
        menu_memo.changed()


def connect() -> None:
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    # Any model: post_save with sender=Page would miss the page types (HomePage, ContentPage...).
    post_save.connect(_page_changed, dispatch_uid="cms_menu_saved")
    post_delete.connect(_page_changed, dispatch_uid="cms_menu_deleted")
    for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
        signal.connect(menu_memo.changed, dispatch_uid=f"cms_menu_{id(signal)}")
