from __future__ import annotations

from django import template

from cms.menu import MenuItem, menu_for
from portal.core.money import format_money

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context) -> tuple[MenuItem, ...]:
    """Live pages under the site root marked "show in menus", in tree order: `item.title`, `item.url`.

    Every page shows the menu (header and footer), so it is kept per process and host (cms.menu).
    """
    request = context.get("request")
    if request is None:
        return ()
    return menu_for(request)


@register.simple_tag(takes_context=True)
def site_footer(context) -> str:
    """The footer (includes/footer.html), kept per process and host until what it shows changes (cms.footer)."""
    from cms.footer import footer_html

    return footer_html(context)


@register.simple_tag(takes_context=True)
def money(context, value) -> str:
    """An amount in the one format the portal uses too: USD 1,250.00 (portal.core.money)."""
    return format_money(value)


@register.simple_tag
def opening_hours_lines() -> list[str]:
    """The practice's hours, from the rooms' weekly hours (booking): the one source of truth."""
    from portal.core.registry import opening_hours_lines as lines

    return lines()


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    request = context.get("request")
    if not url or request is None:
        return url or ""
    return request.build_absolute_uri(url)


@register.filter
def hours(minutes: int) -> str:
    """45 -> "45 min"; 90 -> "1 h 30 min"."""
    minutes = int(minutes or 0)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m} min" if m else f"{h} h"


@register.simple_tag(takes_context=True)
def page_userbar(context) -> str:
    """Wagtail's editor userbar on the public site's pages only.

    `{% wagtailuserbar %}` renders on every page for anyone with admin access, loading about 1.2 MB
    of admin assets; portal and analytics pages are not Wagtail pages and have nothing to edit.
    """
    from wagtail.admin.templatetags.wagtailuserbar import get_page_instance, wagtailuserbar

    if get_page_instance(context) is None:
        return ""
    return wagtailuserbar(context)
