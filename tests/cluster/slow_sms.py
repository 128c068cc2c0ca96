"""An SMS backend for the fault drill: the file backend (one JSON line per message handed over), taking
SMS_DRILL_DELAY_SECONDS per message like a provider's API call, so a worker can be stopped mid-batch."""

from __future__ import annotations

import os
import time

from portal.notifications.sms import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, *, to: str, body: str) -> str:
        time.sleep(float(os.environ.get("SMS_DRILL_DELAY_SECONDS", "0.02")))
        return super().send(to=to, body=body)
