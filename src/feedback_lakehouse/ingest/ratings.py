"""Ratings as exports write them: a plain number, a decimal comma ("4,5", Excel in a
European locale), "4 stars", or drawn stars ("★★★★☆", app stores)."""

from __future__ import annotations

import re


def plain_number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


# a rating as text: "4,5" (a decimal comma, Excel in a European locale), "4 stars"; a
# comma before three digits ("1,000") is a thousands separator, no rating
_RATING_TEXT = re.compile(r"(\d+(?:[.,]\d{1,2})?)\s*(?:stars?)?", re.IGNORECASE)
_STARS = re.compile(r"[★☆]+")  # "★★★★☆": an app store's stars, filled ones counted


def rating_of(raw: str) -> float | None:
    """The number of a rating as exported: a plain number, a decimal comma or a number of
    stars (written out or drawn); None when it is none of these."""
    plain = plain_number(raw)
    if plain is not None:
        return plain
    if _STARS.fullmatch(raw):
        return float(raw.count("★"))
    match = _RATING_TEXT.fullmatch(raw)
    return float(match.group(1).replace(",", ".")) if match else None
