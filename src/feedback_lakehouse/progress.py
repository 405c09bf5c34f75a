"""Progress logging while enriching: rows done / total, rate, errors so far."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

logger = logging.getLogger("feedback_lakehouse.progress")


class Progress:
    """Thread-safe progress counter that logs at INFO every `every_rows` or `every_s`."""

    def __init__(
        self,
        total: int,
        *,
        label: str = "enrich",
        every_rows: int = 100,
        every_s: float = 10.0,
        log: logging.Logger | None = None,
    ):
        self.total = total
        self.label = label
        self.every_rows = max(1, every_rows)
        self.every_s = every_s
        self.log = log or logger
        self.statuses: Counter[str] = Counter()
        self.done = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_log_at = self._started
        self._last_log_done = 0

    def advance(self, status: str, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self.statuses[status] += n
            now = time.monotonic()
            due = (
                self.done - self._last_log_done >= self.every_rows
                or now - self._last_log_at >= self.every_s
                or self.done >= self.total
            )
            if due:
                self._last_log_at = now
                self._last_log_done = self.done
                self.log.info("%s", self._line(now))

    def summary(self) -> str:
        with self._lock:
            return self._line(time.monotonic())

    def _line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        statuses = ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items()))
        return (
            f"{self.label}: {self.done}/{self.total} rows, {self.done / elapsed:.1f} rows/s, "
            f"errors so far {self.statuses.get('failed', 0)}, "
            f"deferred {self.statuses.get('deferred', 0)} ({statuses or 'none yet'})"
        )
