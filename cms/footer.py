"""The site footer, rendered once per process and host and kept until what it shows changes.

Every page, public or portal, ends with the footer: the practice's name, logo, address and contacts,
the opening hours and the menu. Rendering it (the logo's rendition, the hours, the menu) was about
0.8 ms of each page (issue 22). What it shows comes from three `ProcessMemo`s; the kept HTML is keyed
by their version stamps and the year in the copyright line, so a save anywhere renders it afresh on
every server. While this thread is saving one of them, or the shared cache is down, it is rendered
every time (`ProcessMemo.stamp` is None).
"""

from __future__ import annotations

from django.http.request import split_domain_port
from django.template import Context
from django.utils import timezone
from django.utils.safestring import SafeString

from cms.menu import menu_memo
from portal.core.practice import practice_details_stamp
from portal.core.registry import opening_hours_memo

TEMPLATE = "includes/footer.html"
# Hosts kept at most: ALLOWED_HOSTS may be a pattern (".example.com"), so a stream of made-up host
# names must not grow the process without bound; past this many the kept footers start again.
MAX_HOSTS = 32

_kept: dict[tuple[str, str], tuple[tuple, SafeString]] = {}  # (host name, port) -> (stamps and year, html)


def footer_html(context: Context) -> SafeString:
    render = context.template.engine.get_template(TEMPLATE).render
    request = context.get("request")
    stamps = (practice_details_stamp(), opening_hours_memo.stamp(), menu_memo.stamp())
    if request is None or None in stamps:
        return render(context)
    key = (*stamps, timezone.localdate().year)
    where = (split_domain_port(request.get_host())[0], str(request.get_port()))  # as Wagtail finds the Site
    kept = _kept.get(where)
    if kept is not None and kept[0] == key:
        return kept[1]
    html = render(context)  # a SafeString: the template escaped what it rendered
    if len(_kept) >= MAX_HOSTS and where not in _kept:
        _kept.clear()
    _kept[where] = (key, html)
    return html


def forget() -> None:
    """Drop the kept footers (tests: each starts from its own database)."""
    _kept.clear()
