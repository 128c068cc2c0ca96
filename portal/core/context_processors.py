from __future__ import annotations

from portal.core.practice import practice_details


def practice(request) -> dict:
    """`practice` in every template: the practice's name, contact details, hours and letterhead."""
    return {"practice": practice_details()}
