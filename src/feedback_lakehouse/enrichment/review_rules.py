"""The one place that decides whether an enriched text is `ok` or `needs_review`.

Providers report evidence (the category they found, their confidence, whether the model
itself asked for review, whether they have rules for the text's language); the named
rules below turn it into the status, each with its own reason code. Failures, deferrals
and quarantine are not decided here: they end a row before there is an answer to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, Enrichment, Status


class ReviewReason(str, Enum):
    unknown_category = "unknown_category"  # no category fits (or one outside the taxonomy)
    low_confidence = "low_confidence"  # below the provider's review_threshold
    below_measured_threshold = "below_measured_threshold"  # below the threshold measured on gold
    spam = "spam"  # the spam rule flagged the text
    unsupported_language = "unsupported_language"  # the provider has no rules for it
    model_flagged = "model_flagged"  # the LLM's answer asked for review


@dataclass(frozen=True)
class Evidence:
    main_category: str
    confidence: float
    model_flagged: bool = False
    language_supported: bool = True
    spam: bool = False

    @classmethod
    def of(
        cls, enrichment: Enrichment, *, model_flagged: bool = False, language_supported=True
    ) -> Evidence:
        return cls(
            main_category=enrichment.main_category,
            confidence=enrichment.confidence,
            model_flagged=model_flagged,
            language_supported=language_supported,
        )


@dataclass(frozen=True)
class ReviewRules:
    """The thresholds in force; None switches a confidence rule off."""

    review_threshold: float | None = None
    measured_threshold: float | None = None


@dataclass(frozen=True)
class Decision:
    status: Status
    reasons: tuple[ReviewReason, ...]

    @property
    def needs_review(self) -> bool:
        return self.status == Status.needs_review


def review_reasons(evidence: Evidence, rules: ReviewRules) -> tuple[ReviewReason, ...]:
    """Every rule that sends this evidence to review, in rule order."""
    checks = (
        (ReviewReason.unknown_category, evidence.main_category == UNKNOWN_CATEGORY),
        (
            ReviewReason.low_confidence,
            rules.review_threshold is not None and evidence.confidence < rules.review_threshold,
        ),
        (
            ReviewReason.below_measured_threshold,
            rules.measured_threshold is not None and evidence.confidence < rules.measured_threshold,
        ),
        (ReviewReason.spam, evidence.spam),
        (ReviewReason.unsupported_language, not evidence.language_supported),
        (ReviewReason.model_flagged, evidence.model_flagged),
    )
    return tuple(reason for reason, fires in checks if fires)


def decide_status(evidence: Evidence, rules: ReviewRules) -> Decision:
    reasons = review_reasons(evidence, rules)
    return Decision(Status.needs_review if reasons else Status.ok, reasons)


def decided(enrichment: Enrichment, decision: Decision) -> Enrichment:
    """The enrichment with `needs_review` as decided (copied only when it changes)."""
    if enrichment.needs_review == decision.needs_review:
        return enrichment
    return enrichment.model_copy(update={"needs_review": decision.needs_review})
