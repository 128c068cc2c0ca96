from __future__ import annotations

from django import template
from wagtail.models import Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context) -> list:
    """Live pages under the site root marked "show in menus", in tree order."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    return list(site.root_page.get_children().live().in_menu().specific().only("title", "url_path"))
