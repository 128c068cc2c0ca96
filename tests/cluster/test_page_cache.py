"""The public page cache is shared by both app servers (Redis): a publish, an unpublish or a change is
seen on the next request through nginx, whichever server answers it."""

from __future__ import annotations

import secrets

PATH = "/about/"


def _through_both_servers(cluster, path=PATH, tries=12):
    """GET path through nginx until each app server has answered at least twice; every response."""
    seen: dict[str, list] = {}
    for _ in range(tries):
        response = cluster.get_through_nginx(path)
        seen.setdefault(response.headers["X-Upstream"], []).append(response)
        if len(seen) == 2 and all(len(v) >= 2 for v in seen.values()):
            break
    assert len(seen) == 2, f"nginx used only {list(seen)}"
    return [r for responses in seen.values() for r in responses]


def _set_title(cluster, title):
    cluster.django(
        "from wagtail.models import Page\n"
        f"page = Page.objects.get(url_path='/home{PATH}').specific\n"
        f"page.title = {title!r}\n"
        "page.save_revision().publish()\n"
    )


def test_a_published_change_is_seen_on_the_next_request_through_either_app_server(cluster):
    first = _through_both_servers(cluster)
    assert all(r.status_code == 200 for r in first)
    assert any(r.headers.get("X-Page-Cache") == "hit" for r in first), "the page was never served from the cache"

    title = f"About the practice {secrets.token_hex(3)}"
    _set_title(cluster, title)  # the ORM, in another process: neither app server handled the publish

    after = _through_both_servers(cluster)
    assert all(r.status_code == 200 and title in r.text for r in after), [r.headers.get("X-Upstream") for r in after]


def test_an_unpublished_page_is_gone_from_both_servers_and_back_when_republished(cluster):
    assert all(r.status_code == 200 for r in _through_both_servers(cluster))
    cluster.django(f"from wagtail.models import Page\nPage.objects.get(url_path='/home{PATH}').unpublish()")
    gone = _through_both_servers(cluster)
    assert [r.status_code for r in gone] == [404] * len(gone)

    cluster.django(
        "from wagtail.models import Page\n"
        f"Page.objects.get(url_path='/home{PATH}').specific.save_revision().publish()"
    )
    back = _through_both_servers(cluster)
    assert [r.status_code for r in back] == [200] * len(back)
