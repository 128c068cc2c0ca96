"""The PACS over Orthanc's REST API: the only module that talks to Orthanc's HTTP side.

Every call has a timeout; a PACS that is down, slow or answering with an error raises
PacsUnavailable, which the views turn into "images are temporarily unavailable".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests
from django.conf import settings


class PacsUnavailable(Exception):
    """Orthanc could not be reached, or answered with an error."""


class PacsNotFound(PacsUnavailable):
    """Orthanc answered 404: the study, series or instance is not (or no longer) there."""


def enabled() -> bool:
    return bool(settings.PACS_URL)


_session: requests.Session | None = None


def _http() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
    _session.auth = (settings.PACS_USERNAME, settings.PACS_PASSWORD) if settings.PACS_USERNAME else None
    return _session


def _get(path: str, *, params: dict | None = None, stream: bool = False, accept: str | None = None,
         timeout: float | None = None) -> requests.Response:
    if not enabled():
        raise PacsUnavailable("Imaging is not connected (PACS_URL is empty).")
    headers = {"Accept": accept} if accept else None
    try:
        response = _http().get(f"{settings.PACS_URL}{path}", params=params, stream=stream, headers=headers,
                               timeout=timeout or settings.PACS_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise PacsUnavailable(f"The PACS did not answer: {exc.__class__.__name__}") from None
    if response.status_code == 404:
        response.close()
        raise PacsNotFound(path)
    if response.status_code >= 400:
        response.close()
        raise PacsUnavailable(f"The PACS answered HTTP {response.status_code}")
    return response


def _json(path: str, **params: Any) -> Any:
    response = _get(path, params=params or None)
    try:
        return response.json()
    except ValueError:
        raise PacsUnavailable("The PACS answered with something other than JSON") from None


def system() -> dict:
    return _json("/system")


def changes(*, since: int, limit: int = 100) -> dict:
    """Orthanc's change feed: {"Changes": [...], "Done": bool, "Last": int}."""
    return _json("/changes", since=since, limit=limit)


def study(orthanc_id: str) -> dict:
    return _json(f"/studies/{orthanc_id}")


def series(orthanc_id: str) -> dict:
    return _json(f"/series/{orthanc_id}")


def instance_rendered(orthanc_id: str, *, preview: bool = False, window: tuple[float, float] | None = None,
                      ) -> tuple[bytes, str]:
    """A server-rendered JPEG of the instance's first frame: a small preview (thumbnail) or full size.
    `window` (centre, width) asks Orthanc 1.10+'s /rendered for that window."""
    if preview:
        response = _get(f"/instances/{orthanc_id}/preview", accept="image/jpeg")
    else:
        params = {"quality": 90}
        if window is not None:
            params.update({"window-center": window[0], "window-width": window[1]})
        response = _get(f"/instances/{orthanc_id}/rendered", params=params, accept="image/jpeg")
    return response.content, response.headers.get("Content-Type", "image/jpeg")


def study_archive(orthanc_id: str) -> Iterator[bytes]:
    """The study as a ZIP of DICOM files, streamed from Orthanc's archive endpoint."""
    response = _get(f"/studies/{orthanc_id}/archive", stream=True, timeout=max(settings.PACS_TIMEOUT_SECONDS, 60))

    def chunks() -> Iterator[bytes]:
        try:
            yield from response.iter_content(64 * 1024)
        finally:
            response.close()

    return chunks()


def study_series_listing(orthanc_id: str) -> list[dict]:
    """The study's series, each with its instances in order (InstanceNumber), for linking."""
    result = []
    for item in _json(f"/studies/{orthanc_id}/series", expand=""):
        tags = item.get("MainDicomTags", {})
        instances = _json(f"/series/{item['ID']}/instances", expand="")

        def order(instance: dict) -> tuple[int, str]:
            number = instance.get("MainDicomTags", {}).get("InstanceNumber", "")
            try:
                return int(str(number).strip() or 0), instance["ID"]
            except ValueError:
                return 0, instance["ID"]

        result.append({
            "id": item["ID"],
            "number": _int(tags.get("SeriesNumber")),
            "description": tags.get("SeriesDescription", "")[:200],
            "modality": tags.get("Modality", ""),
            "instances": [i["ID"] for i in sorted(instances, key=order)],
        })
    result.sort(key=lambda s: (s["number"], s["id"]))
    return result


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0
