"""The distinct texts of a landing folder as the pipeline joins them ("title. body"), for
the measurement scripts under scripts/ (no dbt build needed, no PII masking)."""

from __future__ import annotations

from pathlib import Path

from feedback_lakehouse.ingest.landing import read_source

# (title column, body column) of each fixed source's export
TEXT_COLUMNS = {
    "shop": ("review_title", "review_body"),
    "helpdesk": ("subject", "description"),
    "appstore": (None, "review_text"),
    "survey": (None, "comment"),
}


def joined(title: object, body: object) -> str:
    """ "title. body", or whichever of the two is not blank."""
    title = title.strip() if isinstance(title, str) else ""
    body = body.strip() if isinstance(body, str) else ""
    return f"{title}. {body}" if title and body else title or body


def landing_texts(landing: Path) -> list[str]:
    """Every distinct non-blank text of the fixed sources' accepted rows, in file order."""
    texts: list[str] = []
    for source, (title_col, body_col) in TEXT_COLUMNS.items():
        frame = read_source(source, landing)
        frame = frame[~frame["_is_rejected"].astype(bool)]
        titles = frame[title_col] if title_col else [None] * len(frame)
        texts += [joined(t, b) for t, b in zip(titles, frame[body_col], strict=True)]
    return list(dict.fromkeys(t for t in texts if t.strip()))
