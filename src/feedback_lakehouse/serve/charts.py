"""Plotly figures as JSON for the pages (drawn in the browser by the plotly.js bundled
with the plotly package and served by the app itself: the pages work offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

LAYOUT: dict[str, Any] = {
    "height": 260,
    "margin": {"l": 40, "r": 10, "t": 30, "b": 40},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "font": {"size": 12},
}


def plotly_js() -> Path:
    """plotly.js as shipped inside the installed plotly package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _chart(chart_id: str, figure: go.Figure, total: int | None = None) -> dict[str, Any]:
    return {"id": chart_id, "json": figure.to_json(), "total": total}


def bar(chart_id: str, title: str, rows: list[dict[str, Any]], key: str = "value") -> dict:
    """A bar per row (`key` -> `n`); `total` is the sum the chart shows."""
    labels = [str(r[key]) for r in rows]
    values = [int(r["n"]) for r in rows]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color="#4c78a8"))
    figure.update_layout(title={"text": title}, **LAYOUT)
    return _chart(chart_id, figure, sum(values))


def weekly_line(chart_id: str, title: str, rows: list[dict[str, Any]]) -> dict:
    """Records and negative records per week."""
    weeks = [str(r["week"]) for r in rows]
    figure = go.Figure(
        [
            go.Scatter(x=weeks, y=[int(r["n"]) for r in rows], name="all", mode="lines+markers"),
            go.Scatter(
                x=weeks, y=[int(r["negative"]) for r in rows], name="negative", mode="lines"
            ),
        ]
    )
    figure.update_layout(title={"text": title}, **LAYOUT)
    return _chart(chart_id, figure, sum(int(r["n"]) for r in rows))
