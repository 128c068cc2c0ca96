"""Background work: the q2 schedule calls this to retrain the no-show model."""

from __future__ import annotations


def retrain_noshow_model() -> int | None:
    from analytics.services import noshow_model_train

    try:
        return noshow_model_train().pk
    except ValueError:  # no history yet: nothing to learn, try again next time
        return None
