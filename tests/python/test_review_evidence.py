"""Issue 17 part 2: the providers record evidence, int_feedback__status decides.

An answered text comes out `ok` ("answered") with its confidence and the review signals
the provider observed; no threshold is applied in Python. The SQL side (rules, the one
var review_confidence_threshold) is tested by the dbt unit tests of int_feedback__status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import feedback_lakehouse
from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, Enrichment, TextItem
from feedback_lakehouse.enrichment.engine import make_provider
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.providers.openai.answers import validate
from feedback_lakehouse.enrichment.providers.openai.rows import Prompts, Usage, ok_row
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


def _answer(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "main_category": "billing_payment",
        "secondary_categories": [],
        "sentiment": "negative",
        "sentiment_intensity": 0.6,
        "urgency": "medium",
        "root_cause_guess": None,
        "suggested_owner": None,
        "short_summary": "charged twice",
        "rationale": "mentions a double charge",
        "confidence": 0.4,
        "needs_review": False,
        "language": "en",
    }
    return answer | changes


def test_offline_low_confidence_is_answered_with_its_confidence(
    monkeypatch: pytest.MonkeyPatch, taxonomy: Taxonomy
) -> None:
    provider = OfflineProvider()
    monkeypatch.setattr(
        provider, "_enrich_one", lambda *args, **kwargs: Enrichment(**_answer(confidence=0.4))
    )
    (record,) = provider.enrich([TextItem(text_hash="h", text="I was charged twice")], taxonomy)
    # 0.40 is below the old offline review_threshold (0.45): no longer decided here
    assert record.status == "ok"
    assert record.confidence == pytest.approx(0.4)
    assert record.needs_review is False
    assert record.review_signals is None


def test_offline_reports_a_language_without_rules(taxonomy: Taxonomy) -> None:
    # Italian: the shipped taxonomy has keywords in English, German, Spanish and French
    item = TextItem(text_hash="h", text="La consegna non è mai arrivata", language="it")
    (record,) = OfflineProvider().enrich([item], taxonomy)
    assert record.status == "ok"
    assert record.main_category == UNKNOWN_CATEGORY
    assert record.review_signals == "no_rules_for_language"
    (english,) = OfflineProvider().enrich([TextItem(text_hash="e", text="asdf qwerty")], taxonomy)
    assert english.main_category == UNKNOWN_CATEGORY
    assert english.status == "ok"
    assert english.review_signals is None


def test_offline_review_threshold_option_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="review_confidence_threshold"):
        make_provider("offline", review_threshold=0.5)


def test_offline_enrichment_key_is_unchanged_by_the_removed_option(taxonomy: Taxonomy) -> None:
    # the rules' fingerprint still names the old default (0.45) so stored rows keep
    # their enrichment keys: an upgrade does not re-enrich
    assert OfflineProvider()._rules["review_threshold"] == 0.45


def _llm_row(taxonomy: Taxonomy, **changes: Any):
    enrichment = validate(_answer(**changes), taxonomy)
    item = TextItem(text_hash="h", text="I was charged twice")
    prompts = Prompts(version="p1", single=None, batch=None)  # type: ignore[arg-type]
    return ok_row("openai", "m", item, "k", taxonomy, prompts, enrichment, Usage()).record


@pytest.mark.parametrize(
    ("changes", "signals"),
    [
        ({}, None),
        ({"needs_review": True}, "model_flagged"),
        ({"main_category": "alien_invasion"}, "label_coerced"),
        ({"main_category": "alien_invasion", "needs_review": True}, "model_flagged,label_coerced"),
    ],
)
def test_llm_rows_carry_the_models_flag_and_coercion_as_evidence(
    taxonomy: Taxonomy, changes: dict[str, Any], signals: str | None
) -> None:
    record = _llm_row(taxonomy, **changes)
    assert record.status == "ok"  # answered: the status is decided in int_feedback__status
    assert record.review_signals == signals
    assert record.needs_review is bool(changes.get("needs_review"))  # the model's own flag
    assert record.confidence == pytest.approx(0.4)


def test_no_status_decision_left_in_python() -> None:
    # the status is decided in int_feedback__status only: a provider that picks
    # needs_review itself would split the decision again
    # (the cache still reads needs_review: answers stored by older builds carry it)
    root = Path(feedback_lakehouse.__file__).parent
    deciding = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "decide_status" in path.read_text()
        or ("providers" in path.parts and "Status.needs_review" in path.read_text())
    ]
    assert deciding == []
    assert not (root / "enrichment" / "review_rules.py").exists()
