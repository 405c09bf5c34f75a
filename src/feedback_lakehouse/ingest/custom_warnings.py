"""What a bring-your-own build says about each file: the warnings, with counts, for
values read in a way the user may not expect (ratings from text, dates read both ways,
ratings without a gold sentiment) and for files the pattern leaves unread."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from feedback_lakehouse.ingest.custom_mapping import CustomSource
from feedback_lakehouse.ingest.timestamps import TimestampParser

# the custom source's logger: its warnings are read on dbt's console and by tests
log = logging.getLogger("feedback_lakehouse.ingest.custom_source")


def warn_skipped_files(config: CustomSource, skipped: list[str]) -> None:
    """Names the files of the source's folder that its pattern leaves unread: a file the
    user dropped there and expected to load would otherwise vanish without a word."""
    if skipped:
        log.warning(
            "custom source %s: %d files in %s/ do not match the pattern %r and were not read "
            "(%s); set pattern in the custom source mapping (e.g. '*' or '*.txt') if they "
            "hold feedback. The custom source reads delimited text (CSV, TSV, ...).",
            config.name,
            len(skipped),
            config.folder,
            config.pattern,
            ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else ""),
        )


def warn_day_month_swaps(rel: str, stamps: TimestampParser) -> None:
    """Says when one file's dates were read both month-first and day-first."""
    swaps = stamps.day_month_swaps()
    if swaps is not None:
        log.warning(
            "%s: dates were read month-first (%s) and day-first (%s): detection keeps the "
            "first format it guesses, so an ambiguous date such as 05/06 was read one way or "
            "the other depending on the dates above it. Set dayfirst (true or false) or "
            "timestamp_format in the custom source mapping (the next build then reads the "
            "files again).",
            rel,
            *swaps,
        )


def warn_rating_text(rel: str, rows: list[dict[str, Any]]) -> None:
    """Says how many ratings were read from text (a decimal comma, "4 stars", "★★★★☆")
    rather than a plain number, with examples, so that a misreading is visible."""
    texts = [(row.pop("_rating_text", None), row.get("rating")) for row in rows]
    read = Counter(pair for pair in texts if pair[0])
    if not read:
        return
    rated = sum(1 for r in rows if not r["_is_rejected"] and r.get("rating"))
    log.warning(
        "%s: %d of %d ratings were read from text, not a plain number (%s); bronze keeps the "
        "number read. If that is not what the export means, correct its rating column.",
        rel,
        sum(read.values()),
        rated,
        ", ".join(f"{text!r} -> {number} ({n})" for (text, number), n in read.most_common(4)),
    )


def warn_unmapped_ratings(config: CustomSource, rel: str, rows: list[dict[str, Any]]) -> None:
    """Names the rating values `sentiment_from_rating` gives no label: their rows carry no
    gold sentiment and leave the sentiment evaluation, which a typo ([4] for [4, 5]) would
    otherwise do without a word (issue 18's walk). A scale point left out on purpose (3 as
    no label) is named too, once per file."""
    if not config.sentiment_from_rating:
        return
    rated = [r for r in rows if not r["_is_rejected"] and r.get("rating")]
    unmapped = Counter(r["rating"] for r in rated if not r.get("gold_sentiment"))
    if not unmapped:
        return
    values = ", ".join(
        f"{value!r} ({n} row{'s' if n != 1 else ''})" for value, n in unmapped.most_common()
    )
    log.warning(
        "%s: %d of %d rated rows have a rating that sentiment_from_rating maps to no label: "
        "%s; they carry no gold sentiment and are left out of the sentiment evaluation. Add "
        "the values to sentiment_from_rating in the custom source mapping if that was not "
        "meant (the next build then reads the files again).",
        rel,
        sum(unmapped.values()),
        len(rated),
        values,
    )


def warn_markup(rel: str, rows: list[dict[str, Any]]) -> None:
    """Counts the texts that held HTML (read as plain text), so that the change of the
    exported value is visible."""
    held = [row.pop("_markup", False) for row in rows]
    if any(held):
        log.warning(
            "%s: %d of %d texts held HTML markup (tags such as <p> or entities such as "
            "&amp;): read as plain text, a block tag as a line break.",
            rel,
            sum(held),
            sum(1 for row in rows if not row["_is_rejected"]),
        )
