"""Urgency of a text (low / medium / high / critical) and whether it presses for time:
the offline provider's urgency rules, re-exported by `rules.py`."""

from __future__ import annotations

from collections.abc import Sequence

from feedback_lakehouse.enrichment.providers.offline import cues
from feedback_lakehouse.enrichment.providers.offline.matcher import PhraseMatcher
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import SentimentEvidence
from feedback_lakehouse.enrichment.taxonomy import Category

_URGENCY_LEVELS = ("low", "medium", "high", "critical")


def urgency_of(
    category: Category | None,
    sentiment: str,
    intensity: float,
    tokens: Sequence[str],
    matcher: PhraseMatcher,
    pressed: bool = False,
) -> tuple[str, list[str]]:
    """(low / medium / high / critical, the urgency phrases found); at least `high`
    when `pressed` (a problem report with "ASAP" or "!!!")."""
    points = float(category.criticality) if category else 2.0
    if sentiment == "negative":
        points += 1.0 + 2.0 * intensity
    elif sentiment == "mixed":
        points += 0.5 + intensity
    elif sentiment == "positive":
        points -= 2.0
    found = matcher.find(tokens)
    points += min(4.0, sum(weight for _, _, weight in found))
    level = _URGENCY_LEVELS[(points >= 4) + (points >= 6) + (points >= 8)]
    if pressed and level in ("low", "medium"):
        level = "high"
    return level, [phrase for _, phrase, _ in found]


def pressed(
    evidence: SentimentEvidence,
    sentiment: str,
    tokens: Sequence[str],
    pressing: PhraseMatcher,
    text: str = "",
) -> bool:
    """A text under time pressure, which urgency raises to high: a negative or mixed text
    (a problem report is always negative) with "ASAP", "urgent" (`pressing_words`) or a
    "!!!" run in the text as written; a neutral one only when it presses as the record
    level does (`cues.presses`: "!!!", ASAP, urgent; the same rule as the SQL macro
    `emphasis_presses` in int_feedback__labels_resolved), as a problem report the rules
    read neutral ("Where is it?? ... four days now!!!") or a request for speed is one.
    Not the softer `pressing_words` there ("I ordered it immediately" narrates). A
    positive text never presses ("Love it!!!")."""
    if sentiment == "neutral":
        return cues.presses(text)
    if sentiment not in ("negative", "mixed"):
        return False
    return evidence.emphasis[1] > 0 or bool(pressing.find(tokens))
