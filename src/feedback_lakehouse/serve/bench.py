"""Timing the workspace's pages on a built database (the hook `make bench` calls).

`time_pages(db_path)` starts the app on a free local port in a thread (uvicorn, as
`feedback serve` runs it), fetches every page `repeats` times over HTTP and returns the
median and the slowest time per page, in seconds. Nothing is asserted: the goal (each
page under 1 s on the 100k-record database) is reported by the bench.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import uvicorn

from feedback_lakehouse.serve.app import create_app

PAGE_GOAL_S = 1.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(db_path: str | Path, landing_dir: str | Path, schema: str = "main") -> Iterator[str]:
    """The workspace served on 127.0.0.1 in a background thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(db_path, landing_dir, schema), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the workspace did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def page_paths(db_path: str | Path, schema: str = "main") -> dict[str, str]:
    """One URL per page: the top complaint topic's issue and the worst product."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        top = con.execute(
            f"select main_category from {schema}.rpt_top_issues_this_week order by topic_rank"
        ).fetchall()
        sku = con.execute(
            f"select product_sku from {schema}.rpt_sku_negative_feedback order by sku_rank"
        ).fetchall()
    finally:
        con.close()
    category = top[0][0] if top else "unknown"
    product = sku[0][0] if sku else "none"
    return {
        "this_week": "/",
        "texts": f"/texts?complaint_about={category}&week=0",
        "issue": f"/issue/{category}",
        "issue_product": f"/issue/{category}?sku={product}",
        "products": "/products",
        "product": f"/product/{product}",
        "review": "/review",
    }


def time_pages(
    db_path: str | Path, repeats: int = 3, schema: str = "main"
) -> dict[str, dict[str, Any]]:
    """{page: {path, median_s, max_s, meets_goal}}; every fetch must answer 200."""
    paths = page_paths(db_path, schema)
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as landing, running(db_path, landing, schema) as base:
        for name, path in paths.items():
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{path} answered {response.status}")
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            out[name] = {
                "path": path,
                "median_s": round(median, 3),
                "max_s": round(max(times), 3),
                "meets_goal": median <= PAGE_GOAL_S,
            }
    return out
