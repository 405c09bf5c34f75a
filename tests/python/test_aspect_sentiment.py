"""Aspect sentiment (issue 18 part 6a): a sentiment per category of an answer.

The contract's `category_sentiments`, the offline provider's per-category sentiment from
the clauses that carry each category, and the LLM path (schema, prompt, the fake server
over the real openai SDK).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from feedback_lakehouse.contracts import Enrichment
from feedback_lakehouse.enrichment import prompting
from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)

BASE = {
    "sentiment_intensity": 0.5,
    "urgency": "low",
    "short_summary": "s",
    "rationale": "r",
    "confidence": 0.9,
    "needs_review": False,
}


def _answer(**fields) -> Enrichment:
    return Enrichment.model_validate({**BASE, **fields})


def _aspects(enrichment: Enrichment) -> dict[str, str]:
    return {e.category: e.sentiment for e in enrichment.category_sentiments}


# ------------------------------------------------------------------------ the contract


def test_contract_keeps_own_categories_lowercased_once_each():
    answer = _answer(
        main_category="shipping_delivery",
        secondary_categories=["praise"],
        sentiment="mixed",
        category_sentiments=[
            {"category": " Shipping_Delivery ", "sentiment": "negative"},
            {"category": "PRAISE", "sentiment": "positive"},
            {"category": "praise", "sentiment": "negative"},  # a second entry: dropped
            {"category": "pricing", "sentiment": "negative"},  # not an answer category
        ],
    )
    assert [e.model_dump() for e in answer.category_sentiments] == [
        {"category": "shipping_delivery", "sentiment": "negative"},
        {"category": "praise", "sentiment": "positive"},
    ]
    stored = json.loads(answer.category_sentiments_json())
    assert stored == [
        {"category": "shipping_delivery", "sentiment": "negative"},
        {"category": "praise", "sentiment": "positive"},
    ]


def test_stored_form_follows_each_answer():
    """The stored JSON is memoised by content: answers with the same entries share it,
    and an answer with other entries (order, sentiment, category) gets its own."""
    lists = [
        [("shipping_delivery", "negative"), ("praise", "positive")],
        [("praise", "positive"), ("shipping_delivery", "negative")],
        [("shipping_delivery", "negative"), ("praise", "negative")],
        [("shipping_delivery", "negative"), ("praise", "positive")],
    ]
    for pairs in lists:
        answer = _answer(
            main_category=pairs[0][0],
            secondary_categories=[pairs[1][0]],
            sentiment="mixed",
            category_sentiments=[{"category": c, "sentiment": s} for c, s in pairs],
        )
        stored = answer.category_sentiments_json()
        assert stored == json.dumps(
            [{"category": c, "sentiment": s} for c, s in pairs], separators=(",", ":")
        )


def test_contract_main_category_defaults_to_overall_sentiment():
    answer = _answer(main_category="pricing", secondary_categories=["praise"], sentiment="negative")
    assert _aspects(answer) == {"pricing": "negative"}
    with_secondary = _answer(
        main_category="pricing",
        secondary_categories=["praise"],
        sentiment="negative",
        category_sentiments=[{"category": "praise", "sentiment": "positive"}],
    )
    # main first, then the secondary ones in their order
    assert [e.category for e in with_secondary.category_sentiments] == ["pricing", "praise"]
    assert _aspects(with_secondary) == {"pricing": "negative", "praise": "positive"}


def test_contract_rejects_an_unknown_sentiment():
    with pytest.raises(ValidationError):
        _answer(
            main_category="pricing",
            sentiment="negative",
            category_sentiments=[{"category": "pricing", "sentiment": "furious"}],
        )


def test_coerce_drops_the_entries_of_labels_outside_the_taxonomy(llm_taxonomy):
    answer = _answer(
        main_category="teleportation",
        secondary_categories=["billing", "nonsense"],
        sentiment="mixed",
        category_sentiments=[
            {"category": "teleportation", "sentiment": "positive"},
            {"category": "billing", "sentiment": "negative"},
            {"category": "nonsense", "sentiment": "negative"},
        ],
    )
    coerced = llm_taxonomy.coerce(answer)
    assert coerced.main_category == "unknown"
    assert _aspects(coerced) == {"unknown": "mixed", "billing": "negative"}


def test_schema_asks_for_category_sentiments_within_the_taxonomy(llm_taxonomy):
    schema = prompting.enrichment_schema(llm_taxonomy)
    field = schema["properties"]["category_sentiments"]
    assert "category_sentiments" in schema["required"]
    assert field["type"] == "array" and field["maxItems"] == 4
    item = field["items"]
    assert item["additionalProperties"] is False and item["required"] == ["category", "sentiment"]
    assert item["properties"]["category"]["enum"] == ["billing", "delivery", "login", "unknown"]
    assert item["properties"]["sentiment"]["enum"] == ["positive", "neutral", "negative", "mixed"]
    for name in (prompting.SINGLE_TEMPLATE, prompting.BATCH_TEMPLATE):
        assert "category_sentiments" in prompting.load_template(name).system


# ------------------------------------------------------------------------ offline


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


def _offline(taxonomy: Taxonomy, *texts: str) -> list[dict]:
    import pandas as pd

    frame = pd.DataFrame(
        {"text_hash": [f"h{i}" for i in range(len(texts))], "text": texts, "language": "en"}
    )
    return enrich_frame(frame, taxonomy, make_provider("offline")).to_dict("records")


def test_offline_gives_each_category_the_sentiment_of_its_own_clauses(taxonomy):
    (row,) = _offline(
        taxonomy,
        "Love the lamp, it looks beautiful and works perfectly. But the box arrived "
        "crushed and the parcel was two weeks late.",
    )
    aspects = {e["category"]: e["sentiment"] for e in json.loads(row["category_sentiments"])}
    categories = [row["main_category"], *(row["secondary_categories"] or "").split(",")]
    assert list(aspects) == [c for c in categories if c]
    assert len(aspects) >= 2, row
    assert aspects.get("shipping_delivery") == "negative", row
    assert "positive" in aspects.values(), row


def test_offline_splits_one_sentence_at_but(taxonomy):
    (row,) = _offline(taxonomy, "The app is great but I was charged twice")
    aspects = {e["category"]: e["sentiment"] for e in json.loads(row["category_sentiments"])}
    assert row["sentiment"] == "negative"
    assert aspects == {"billing_payment": "negative", "app_performance": "positive"}, row


def test_offline_one_category_text_takes_the_overall_sentiment(taxonomy):
    rows = _offline(taxonomy, "The zipper broke the first time I wore it", "")
    for row in rows:
        aspects = json.loads(row["category_sentiments"])
        assert aspects == [{"category": row["main_category"], "sentiment": row["sentiment"]}]


def test_offline_clause_pass_runs_only_for_texts_with_several_categories(taxonomy, monkeypatch):
    """A one-category text's category sentiment is the text's own, without the clause
    pass (its cost is for texts whose categories can differ): with the clause scorer
    replaced by one that always says `mixed`, one-category rows keep their sentiment,
    and the text with two categories is the only one scored."""
    from feedback_lakehouse.enrichment.providers.offline import aspects

    scored: list[list[list[str]]] = []

    def always_mixed(parts, language, options, analyzer):
        scored.append(parts)
        return "mixed"

    monkeypatch.setattr(aspects, "_sentiment_of", always_mixed)
    rows = _offline(
        taxonomy,
        # one category each, whose matched phrase sits in one clause of two
        "The zipper broke the first time I wore it. Otherwise I really love this jacket.",
        "Great app, love the design. But it crashes every time I open it.",
        "I was charged twice for my order. The rest was fine, honestly great service.",
        # two categories
        "The parcel arrived two weeks late. Otherwise a lovely lamp, I really love it.",
    )
    single, multi = rows[:3], rows[3]
    for row in single:
        assert not isinstance(row["secondary_categories"], str), row  # none (null)
        aspects_ = json.loads(row["category_sentiments"])
        assert aspects_ == [{"category": row["main_category"], "sentiment": row["sentiment"]}]
        assert row["sentiment"] != "mixed", row
    assert isinstance(multi["secondary_categories"], str), multi
    assert "mixed" in {e["sentiment"] for e in json.loads(multi["category_sentiments"])}, multi
    assert scored, "the two-category text's clauses were not scored"


# ------------------------------------------------------------------------ LLM


def test_llm_answer_per_category_is_stored(make_llm, fake_llm, llm_taxonomy, llm_texts):
    texts = llm_texts(
        "billing was great, thanks. but delivery was terrible",
        "login is broken",
    )
    frame = enrich_frame(texts, llm_taxonomy, make_llm("openai"))
    rows = frame.to_dict("records")
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert json.loads(rows[0]["category_sentiments"]) == [
        {"category": "billing", "sentiment": "positive"},
        {"category": "delivery", "sentiment": "negative"},
    ]
    assert rows[0]["sentiment"] == "mixed"
    assert json.loads(rows[1]["category_sentiments"]) == [
        {"category": "login", "sentiment": "negative"}
    ]
    sent = fake_llm.requests[0].body["response_format"]["json_schema"]["schema"]
    assert "category_sentiments" in sent["required"]
    assert "category_sentiments" in fake_llm.requests[0].body["messages"][0]["content"]


def test_llm_batch_answer_per_category_is_stored(make_llm, fake_llm, llm_taxonomy, llm_texts):
    texts = llm_texts("login is great. delivery never came", "billing was bad")
    frame = enrich_frame(texts, llm_taxonomy, make_llm("openai", batch_size=2))
    rows = frame.to_dict("records")
    assert fake_llm.calls == 1
    assert frame["prompt_version"].str.startswith("classify_batch_v2+").all()
    assert json.loads(rows[0]["category_sentiments"]) == [
        {"category": "delivery", "sentiment": "negative"},
        {"category": "login", "sentiment": "positive"},
    ]
    assert json.loads(rows[1]["category_sentiments"]) == [
        {"category": "billing", "sentiment": "negative"}
    ]


def test_offline_topic_heading_or_neutral_clause_takes_the_overall_sentiment(taxonomy):
    """A clause that is only the matched phrase ("Support.") names a topic and holds no
    opinion (VADER reads "support" as positive); a category's clauses with no sentiment
    of their own take the text's."""
    (row,) = _offline(taxonomy, "Support. Your returns team lost my return parcel. Waste of money.")
    aspects = {e["category"]: e["sentiment"] for e in json.loads(row["category_sentiments"])}
    assert len(aspects) >= 2, row
    assert "positive" not in aspects.values(), row
    assert set(aspects.values()) == {row["sentiment"]}, row


def test_offline_a_weak_lexicon_word_does_not_overrule_the_text():
    """'promised' alone makes VADER's compound 0.36: below mixed_sentence_strength (0.5),
    so the clause has no clear sentiment (neutral: the category keeps the text's)."""
    from feedback_lakehouse.enrichment.providers.offline import aspects
    from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
    from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

    options, vader = OfflineOptions(), sentiment_analyzer()
    weak = [["delivery", "took", "three", "weeks", "longer", "than", "promised"]]
    clear = [["great", "support", "sorted", "it", "out", "in", "five", "minutes"]]
    assert aspects._sentiment_of(weak, "en", options, vader) == "neutral"
    assert aspects._sentiment_of(clear, "en", options, vader) == "positive"
