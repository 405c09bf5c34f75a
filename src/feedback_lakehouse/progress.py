"""Progress lines during long work: rows done / total, rate, errors so far.

A `Progress` logs a line every `every_s` seconds while it is open (a heartbeat thread,
so a line comes even while one long call holds the work), when `every_rows` more rows
are done (if set) and when the work ends. The lines go to the logger
`feedback_lakehouse.progress` at INFO. That logger is set to INFO so the lines are not
dropped by a root logger left at WARNING: under dbt (whose tracking library calls
`logging.basicConfig()`), the root handler prints them on dbt's console (stderr); with
no handler configured anywhere, `console_logger()` adds one writing to stderr.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from types import TracebackType

LOGGER_NAME = "feedback_lakehouse.progress"
DEFAULT_EVERY_S = 5.0
logger = logging.getLogger(LOGGER_NAME)


class _StderrHandler(logging.Handler):
    """Writes to the `sys.stderr` of the moment (pytest and dbt may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # a closed stream must not break the work being reported
            self.handleError(record)


def console_logger() -> logging.Logger:
    """The progress logger, made to reach the console: level INFO, and a stderr handler
    of its own only when no handler is configured on it or any ancestor (else the lines
    would print twice)."""
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    if not logger.hasHandlers():
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    return logger


class Progress:
    """Thread-safe counter that logs progress lines; use it as a context manager.

    `with Progress(total, label="languages", unit="texts") as progress:` starts the
    heartbeat; `progress.advance(n=...)` counts done rows (with their status when
    `statuses` is on); leaving the block logs the final line and stops the heartbeat.
    Used without `with`, it logs only from `advance` (every `every_rows`, every
    `every_s` and at the end).
    """

    def __init__(
        self,
        total: int,
        *,
        label: str = "enrich",
        unit: str = "rows",
        every_rows: int | None = None,
        every_s: float = DEFAULT_EVERY_S,
        statuses: bool = True,
        log: logging.Logger | None = None,
    ):
        self.total = total
        self.label = label
        self.unit = unit
        self.every_rows = max(1, every_rows) if every_rows else None
        self.every_s = every_s
        self.show_statuses = statuses
        self.log = log or console_logger()
        self.statuses: Counter[str] = Counter()
        self.done = 0
        self.lines = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_log_at = self._started
        self._last_log_done = 0
        self._logged_end = False
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(failed=exc is not None)

    def start(self) -> None:
        """Start the heartbeat: a line every `every_s` seconds until `close()`."""
        if self._heartbeat is not None or self.every_s <= 0:
            return
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"progress-{self.label}", daemon=True
        )
        self._heartbeat.start()

    def close(self, failed: bool = False) -> None:
        """Stop the heartbeat and log the last line (once), saying if the work failed."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        with self._lock:
            if not self._logged_end:
                self._emit(time.monotonic(), " (stopped by an error)" if failed else "")
                self._logged_end = True

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s / 4):
            with self._lock:
                now = time.monotonic()
                if not self._logged_end and now - self._last_log_at >= self.every_s:
                    self._emit(now)

    # ------------------------------------------------------------------ counting
    def advance(self, status: str = "ok", n: int = 1) -> None:
        with self._lock:
            self.done += n
            self.statuses[status] += n
            now = time.monotonic()
            finished = self.done >= self.total
            due = (
                (self.every_rows is not None and self.done - self._last_log_done >= self.every_rows)
                or now - self._last_log_at >= self.every_s
                or finished
            )
            if due and not self._logged_end:
                self._emit(now)
                self._logged_end = finished

    def summary(self) -> str:
        with self._lock:
            return self._line(time.monotonic())

    def _emit(self, now: float, suffix: str = "") -> None:
        self._last_log_at = now
        self._last_log_done = self.done
        self.lines += 1
        self.log.info("%s%s", self._line(now), suffix)

    def _line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        line = (
            f"{self.label}: {self.done}/{self.total} {self.unit}{share}, "
            f"{rate:.1f} {self.unit}/s, {elapsed:.1f} s"
        )
        if 0 < self.done < self.total and rate > 0:
            line += f", about {(self.total - self.done) / rate:.0f} s left"
        if self.show_statuses:
            statuses = ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items()))
            line += (
                f"; errors so far {self.statuses.get('failed', 0)}, "
                f"deferred {self.statuses.get('deferred', 0)} ({statuses or 'none yet'})"
            )
        return line
