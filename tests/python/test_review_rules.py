"""The one status decision (feedback_lakehouse.enrichment.review_rules): named rules,
each with its own reason code; providers report evidence and call it."""

from __future__ import annotations

from pathlib import Path

import pytest

import feedback_lakehouse
from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, Status
from feedback_lakehouse.enrichment.review_rules import (
    Evidence,
    ReviewReason,
    ReviewRules,
    decide_status,
)

RULES = ReviewRules(review_threshold=0.45, measured_threshold=0.7)


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        (Evidence(main_category=UNKNOWN_CATEGORY, confidence=0.9), ReviewReason.unknown_category),
        (Evidence(main_category="billing", confidence=0.6), ReviewReason.below_measured_threshold),
        (Evidence(main_category="billing", confidence=0.9, spam=True), ReviewReason.spam),
        (
            Evidence(main_category="billing", confidence=0.9, language_supported=False),
            ReviewReason.unsupported_language,
        ),
        (
            Evidence(main_category="billing", confidence=0.9, model_flagged=True),
            ReviewReason.model_flagged,
        ),
    ],
)
def test_each_rule_has_its_own_reason(evidence: Evidence, reason: ReviewReason) -> None:
    decision = decide_status(evidence, RULES)
    assert decision.status == Status.needs_review
    assert decision.needs_review is True
    assert decision.reasons == (reason,)


def test_low_confidence_is_its_own_reason() -> None:
    evidence = Evidence(main_category="billing", confidence=0.3)
    assert decide_status(evidence, ReviewRules(review_threshold=0.45)).reasons == (
        ReviewReason.low_confidence,
    )


def test_no_rule_fires_is_ok() -> None:
    decision = decide_status(Evidence(main_category="billing", confidence=0.9), RULES)
    assert decision.status == Status.ok
    assert decision.needs_review is False
    assert decision.reasons == ()


def test_rules_without_thresholds_do_not_judge_confidence() -> None:
    # the LLM providers: the model's own flag and the taxonomy decide, no threshold
    decision = decide_status(Evidence(main_category="billing", confidence=0.1), ReviewRules())
    assert decision.status == Status.ok


def test_several_rules_report_every_reason_in_rule_order() -> None:
    evidence = Evidence(
        main_category=UNKNOWN_CATEGORY, confidence=0.0, language_supported=False, spam=True
    )
    reasons = decide_status(evidence, RULES).reasons
    assert reasons == (
        ReviewReason.unknown_category,
        ReviewReason.low_confidence,
        ReviewReason.below_measured_threshold,
        ReviewReason.spam,
        ReviewReason.unsupported_language,
    )


def test_no_provider_decides_the_status_itself() -> None:
    # the status is decided in review_rules only: a provider that picks needs_review
    # itself would split the decision again
    root = Path(feedback_lakehouse.__file__).parent / "enrichment" / "providers"
    deciding = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "Status.needs_review" in path.read_text()
    ]
    assert deciding == []
