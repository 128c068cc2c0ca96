"""The site footer, rendered once per process and host and kept until what it shows changes.

Every page, public or portal, ends with the footer: the practice's name, logo, address and contacts,
the opening hours and the menu. Rendering it (the logo's rendition, the hours, the menu) was about
0.8 ms of each page (issue 22). What it shows comes from three `ProcessMemo`s; the footer is a
`ProcessMemo` too, keyed by the host and by their version stamps and the year in the copyright line,
so a save anywhere renders it afresh on every server (and its key count is bounded like any memo's).
While this thread is saving one of them, or the shared cache is down, it is rendered every time
(`ProcessMemo.stamp` is None).
"""

from __future__ import annotations

from django.http.request import split_domain_port
from django.template import Context
from django.utils import timezone
from django.utils.safestring import SafeString

from cms.menu import menu_memo
from portal.core.practice import practice_details_stamp
from portal.core.process_memo import ProcessMemo
from portal.core.registry import opening_hours_memo

TEMPLATE = "includes/footer.html"


def _render(*key, context: Context) -> SafeString:
    return context.template.engine.get_template(TEMPLATE).render(context)  # escaped as it rendered


footer_memo: ProcessMemo[SafeString] = ProcessMemo("site-footer", _render)


def footer_html(context: Context) -> SafeString:
    request = context.get("request")
    stamps = (practice_details_stamp(), opening_hours_memo.stamp(), menu_memo.stamp())
    if request is None or None in stamps:
        return _render(context=context)
    host = split_domain_port(request.get_host())[0]  # as Wagtail finds the Site (and the menu memo)
    return footer_memo.get(host, str(request.get_port()), *stamps, timezone.localdate().year, context=context)
