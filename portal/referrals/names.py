"""A doctor's name as the portal shows it: "Dr T. Chikwanha", however it was typed."""

from __future__ import annotations

import re

# "Dr", "Dr.", "DR", "Doctor", "dr:" at the front, once or repeated ("Dr Dr T. Chikwanha").
_TITLE = re.compile(r"^\s*(?:(?:dr|doctor)\b\.?:?\s*)+", re.IGNORECASE)


def doctor_display_name(name: str) -> str:
    """The name with exactly one "Dr " in front; "" for a blank one. Idempotent."""
    bare = " ".join(_TITLE.sub("", name or "").split())
    return f"Dr {bare}" if bare else ""
