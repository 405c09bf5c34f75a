"""The one typed options model of the offline provider.

Every option is part of `prompt_version` (`OfflineOptions.rules_payload`), so changing
one re-enriches. The LLM options a dbt project sets (`openai.options.DBT_OPTIONS`) are
accepted and ignored, so switching `enrichment_provider` does not require removing LLM
settings; any other name is a `TypeError` that lists what is accepted.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict

from feedback_lakehouse.enrichment.providers.offline import cues
from feedback_lakehouse.enrichment.providers.openai.options import DBT_OPTIONS

log = logging.getLogger(__name__)

# v4: category_sentiments (aspect sentiment, `aspects.py`) in every answer
RULES_NAME = "offline-rules-v4"
DEFAULT_MODEL = "vader-keywords-1"

# review_threshold was an option until the status moved to int_feedback__status
LEGACY_REVIEW_THRESHOLD = 0.45
REMOVED_REVIEW_THRESHOLD = (
    "offline option review_threshold was removed: the provider records evidence "
    "(confidence, review_signals) and int_feedback__status decides the status with one "
    "threshold, the dbt var review_confidence_threshold; set that var instead"
)

# The LLM options a dbt project sets: accepted and ignored.
LLM_ONLY_OPTIONS = frozenset(DBT_OPTIONS)

DEFAULT_URGENT_WORDS = (
    "urgent",
    "urgently",
    "asap",
    "as soon as possible",
    "immediately",
    "right now",
    "refund",
    "still waiting",
    "unacceptable",
    "third time",
    "cancel my order",
    "final warning",
)
# time pressure: with one of these (or "!!!") a problem report is at least `high`
DEFAULT_PRESSING_WORDS = (
    "urgent",
    "urgently",
    "asap",
    "as soon as possible",
    "immediately",
    "right now",
    "right away",
)
DEFAULT_CRITICAL_WORDS = (
    "lawyer",
    "solicitor",
    "legal action",
    "sue",
    "chargeback",
    "fraud",
    "scam",
    "police",
    # a theft or a break-in is a security incident as fraud is (banking77's card-theft and
    # unrecognised-charge queries at high urgency or above, half B: 5.4% -> 17.9%;
    # information queries 0.6% either way; clothing reviews half A 4.08% -> 4.09%)
    "stolen",
    "hacked",
    "unauthorised",
    "unauthorized",
    "compromised",
    "identity theft",
    "dangerous",
    "unsafe",
    "injury",
    "injured",
    "caught fire",
    "burned",
    "burnt",
    "electric shock",
)


# A failure of a kind (`failure_words`: words, or phrases read inside English keywords):
# a keyword holding one names what went wrong, not where; "crashes when I log in" is
# the crash's category. Generic failures ("not working", "failed", "declined", "can't")
# are not listed: they take the kind of what they are said of ("payment failed", "can't
# log in"). Nor are words with an everyday sense in the real reviews and queries of
# half A ("hangs nicely", "freezing indoors", "snapped it up", "two pieces", "never
# received so many compliments", "ripped jeans", "frayed hem", "I'm torn", "completely
# broke", "restroom breaks", "freeze my card", "that's an error"), nor damage words,
# whose kind is where it happened (`damage_words` below).
DEFAULT_FAILURE_WORDS = (
    "crash",
    "crashes",
    "crashed",
    "crashing",
    "freezes",
    "froze",
    "lag",
    "laggy",
    "lagging",
    "glitch",
    "glitchy",
    "buggy",
    "unresponsive",
    "not responding",
    "broken",
    "unraveled",
    "leak",
    "leaking",
    "faulty",
    "defect",
    "defective",
    "malfunction",
    "never arrived",
    "not delivered",
    "locked out",
)
# Damage that the text says happened on arrival or in transit (a word of each within
# `transit_window` tokens) is a delivery problem (`transit_category`), not a defect.
DEFAULT_DAMAGE_WORDS = (
    "broken",
    "broke",
    "crack",
    "cracked",
    "smashed",
    "shattered",
    "damaged",
    "dented",
    "crushed",
    "bent",
    "chipped",
    "scratched",
    "in pieces",
)
DEFAULT_TRANSIT_WORDS = (
    "arrived",
    "arrive",
    "arrives",
    "arrival",
    "came",
    "delivered",
    "delivery",
    "transit",
    "shipping",
    "shipment",
    "on the way",
    "in the post",
    "in the mail",
    "showed up",
    "turned up",
    "received",
    "courier",
)


class OfflineOptions(BaseModel):
    """Thresholds and weights of the offline rules (docs/quality-history.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    negative_below: float = -0.10
    positive_above: float = 0.15
    cue_weight: float = 0.15
    problem_weight: float = 0.2
    problem_never_positive: bool = True
    # a question does not praise: the positive words of a sentence asked ("Do you support
    # SWIFT?", "Can I top up with a credit card?") do not make a text positive
    questions_not_praise: bool = True
    problem_intensity: float = 0.4
    mixed_sentence_strength: float = 0.5
    min_score: float = 1.0
    phrase_bonus: float = 0.75
    example_weight: float = 1.5
    min_example_overlap: int = 2
    secondary_ratio: float = 0.5
    max_secondary: int = 2
    evidence_half: float = 1.5
    positive_only_categories: tuple[str, ...] = ("praise",)
    positive_only_damping: float = 0.25
    failure_words: tuple[str, ...] = DEFAULT_FAILURE_WORDS
    place_ratio: float = 0.5
    damage_words: tuple[str, ...] = DEFAULT_DAMAGE_WORDS
    transit_words: tuple[str, ...] = DEFAULT_TRANSIT_WORDS
    transit_category: str = "shipping_delivery"
    transit_weight: float = 1.5
    transit_window: int = 3
    # praise named before a contrast whose clause names a problem's category: held to this
    # share of that category's score (`contrast.contrast_clause`; 1 turns the rule off)
    contrast_ratio: float = 0.5
    contrast_window: int = 6  # tokens after the contrast word that make its clause
    urgent_words: tuple[str, ...] = DEFAULT_URGENT_WORDS
    critical_words: tuple[str, ...] = DEFAULT_CRITICAL_WORDS
    pressing_words: tuple[str, ...] = DEFAULT_PRESSING_WORDS
    summary_chars: int = 120
    learned_sentiment_min: float = 0.6

    @classmethod
    def parse(cls, options: dict[str, Any]) -> OfflineOptions:
        """Validate `options`; LLM-only options are dropped, unknown names are a TypeError."""
        if "review_threshold" in options:
            raise TypeError(REMOVED_REVIEW_THRESHOLD)
        unknown = sorted(set(options) - LLM_ONLY_OPTIONS - set(cls.model_fields))
        if unknown:
            raise TypeError(
                f"OfflineProvider got unknown options {unknown}; it accepts "
                f"{sorted(cls.model_fields)} and the LLM options (ignored)"
            )
        ignored = sorted(set(options) & LLM_ONLY_OPTIONS - set(cls.model_fields))
        if ignored:
            log.debug("offline provider ignores LLM options %s", ignored)
        return cls(**{k: v for k, v in options.items() if k in cls.model_fields})

    def rules_payload(self, model: str) -> dict[str, Any]:
        """What `prompt_version` hashes: the rules' name, the model, every option and
        the cue patterns of `cues` (a changed pattern re-scores every text)."""
        payload: dict[str, Any] = {"rules": RULES_NAME, "model": model}
        for name in type(self).model_fields:
            value = getattr(self, name)
            payload[name] = list(value) if isinstance(value, tuple) else value
        payload["complaint_cues"] = list(cues.COMPLAINT_CUES)
        payload["problem_cues"] = list(cues.DEFECT_CUES + cues.EXPECTATION_CUES)
        payload["resolution_cues"] = list(cues.RESOLUTION_CUES)
        payload["politeness"] = list(cues.POLITENESS)
        payload["presses"] = cues.PRESSES  # a neutral text that presses is urgent (v4+)
        payload["not_a_request"] = cues.NOT_A_REQUEST  # "a tailor can fix it" (v4+)
        # the removed review_threshold option's default (kept as in offline-rules-v2)
        payload["review_threshold"] = LEGACY_REVIEW_THRESHOLD
        return payload
