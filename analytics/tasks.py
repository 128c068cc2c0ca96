"""Background work: the q2 schedule calls this to retrain the no-show model."""

from __future__ import annotations


def retrain_noshow_model() -> int | None:
    from analytics.services import noshow_model_train

    try:
        return noshow_model_train().pk
    except ValueError:  # no history yet: nothing to learn, try again next time
        return None


def heal_daily_summary() -> int:
    """Nightly: recount the daily summary tables and repair any day that drifted (safe to run twice)."""
    from analytics.summary import daily_summary_heal

    return daily_summary_heal()
