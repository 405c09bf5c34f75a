"""Progress lines: a heartbeat during silent work, lines that reach the console, chunks."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import pytest

from feedback_lakehouse.enrichment import parallel
from feedback_lakehouse.progress import Progress


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def captured() -> tuple[logging.Logger, _Lines]:
    log = logging.getLogger("test_progress.captured")
    log.setLevel(logging.INFO)
    log.propagate = False
    handler = _Lines()
    log.addHandler(handler)
    yield log, handler
    log.removeHandler(handler)


def test_heartbeat_logs_while_one_long_call_holds_the_work(captured) -> None:
    log, handler = captured
    with Progress(10, label="languages", unit="texts", every_s=0.05, log=log) as progress:
        time.sleep(0.4)  # one long call: nothing advances
        heartbeats = list(handler.lines)
        progress.advance(n=10)
    assert len(heartbeats) >= 3, heartbeats
    assert all(line.startswith("languages: 0/10 texts") for line in heartbeats)
    assert handler.lines[-1].startswith("languages: 10/10 texts (100%)")
    assert "texts/s" in handler.lines[-1]
    count = len(handler.lines)
    time.sleep(0.2)  # closed: the heartbeat has stopped
    assert len(handler.lines) == count


def test_a_failure_is_said_in_the_last_line(captured) -> None:
    log, handler = captured
    with pytest.raises(RuntimeError), Progress(5, label="topics", every_s=60, log=log) as p:
        p.advance("ok", 2)
        raise RuntimeError("boom")
    assert handler.lines[-1].startswith("topics: 2/5 rows")
    assert handler.lines[-1].endswith("(stopped by an error)")


def test_rate_and_statuses_are_in_the_line(captured) -> None:
    log, handler = captured
    progress = Progress(4, label="enrich[offline]", every_s=60, log=log)
    progress.advance("ok", 3)
    progress.advance("failed")
    line = handler.lines[-1]
    assert line.startswith("enrich[offline]: 4/4 rows (100%)")
    assert "rows/s" in line and "errors so far 1" in line and "ok=3" in line


@pytest.mark.parametrize("setup", ["import dbt.tracking", "pass"], ids=["under-dbt", "bare"])
def test_lines_reach_stderr(setup: str) -> None:
    # dbt runs Python models in its own process, where its tracking library has called
    # logging.basicConfig() (root at WARNING): INFO lines must still be printed, once
    code = (
        f"{setup}\n"
        "from feedback_lakehouse.progress import Progress\n"
        "p = Progress(3, label='languages')\n"
        "p.advance('ok', 3)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [line for line in run.stderr.splitlines() if "languages: 3/3 rows" in line]
    assert len(lines) == 1, run.stderr


def _double(items):
    return [2 * i for i in items]


def test_map_chunks_reports_every_chunk_in_one_process() -> None:
    items = list(range(3 * parallel.LOCAL_CHUNK_ITEMS + 7))
    seen: list[int] = []
    out = parallel.map_chunks(
        _double, items, workers=1, on_chunk=lambda part: seen.append(len(part))
    )
    assert out == _double(items)
    assert len(seen) == 3 and sum(seen) == len(items)
