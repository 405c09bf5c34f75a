"""The offline provider (VADER + taxonomy keyword rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, EnrichedRecord, TextItem
from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)

LABELLED = [
    ("The lamp arrived smashed, box crushed!!!", "shipping_delivery", "negative"),
    ("App crashes every time I try to log in since the update", "app_performance", None),
    ("Love it, works perfectly", "praise", "positive"),
    ("I was charged twice", "billing_payment", None),
    ("Please add dark mode", "feature_request", None),
    ("I forgot my password and now I'm locked out of my account", "account_login", None),
    ("My order never arrived and tracking has not updated for a week", "shipping_delivery", None),
    ("The zipper broke the first time I wore it", "product_defect", "negative"),
    ("The agent was rude and hung up on me", "customer_service", "negative"),
    ("Way too expensive for what you get", "pricing", None),
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


@pytest.fixture(scope="module")
def provider() -> OfflineProvider:
    return OfflineProvider()


def items(*texts: str, language: str | None = None) -> list[TextItem]:
    return [TextItem(text_hash=f"h{i}", text=t, language=language) for i, t in enumerate(texts)]


def enrich_one(provider: OfflineProvider, taxonomy: Taxonomy, text: str, **kw: Any):
    (record,) = provider.enrich(items(text, **kw), taxonomy)
    return record


@pytest.mark.parametrize(("text", "category", "sentiment"), LABELLED)
def test_labels_clear_examples(
    provider: OfflineProvider,
    taxonomy: Taxonomy,
    text: str,
    category: str,
    sentiment: str | None,
) -> None:
    record = enrich_one(provider, taxonomy, text)
    assert record.main_category == category, record.rationale
    assert record.suggested_owner == taxonomy.categories[category].owner_team
    assert record.status in ("ok", "needs_review")
    if sentiment:
        assert record.sentiment == sentiment, record.rationale


def test_gibberish_is_unknown_not_a_guess(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    record = enrich_one(provider, taxonomy, "asdf qwerty")
    # evidence only: unknown with a low confidence; int_feedback__status sends it to review
    assert record.main_category == UNKNOWN_CATEGORY
    assert record.status == "ok" and record.review_signals is None
    assert record.confidence is not None and record.confidence < 0.45
    assert record.suggested_owner is None


def test_empty_text(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    for text in ("", "   \n\t"):
        record = enrich_one(provider, taxonomy, text)
        assert record.main_category == UNKNOWN_CATEGORY
        assert record.status == "ok" and record.needs_review is False
        assert record.sentiment == "neutral"
        assert record.confidence == 0.0


def test_non_english_text_is_not_classified(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    # "app" and "crash" would match English keywords; the language (one the taxonomy has
    # no keywords in) says not to trust them
    record = enrich_one(provider, taxonomy, "L'app si blocca, crash!", language="it")
    assert record.main_category == UNKNOWN_CATEGORY
    assert record.review_signals == "no_rules_for_language"
    assert record.language == "it"
    assert "not supported" in (record.rationale or "")
    english = enrich_one(provider, taxonomy, "The app keeps crashing", language="en")
    assert english.main_category == "app_performance"


def test_praise_needs_positive_sentiment(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    record = enrich_one(provider, taxonomy, "Not great, not happy, the seams came apart")
    assert record.main_category == "product_defect"
    assert record.sentiment != "positive"


def test_urgency_follows_words_and_negativity(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    angry = enrich_one(
        provider,
        taxonomy,
        "I was charged twice and nobody answers. Refund me immediately or my lawyer "
        "files a chargeback!!!",
    )
    happy = enrich_one(provider, taxonomy, "Love it, works perfectly")
    order = ["low", "medium", "high", "critical"]
    assert angry.urgency == "critical"
    assert order.index(happy.urgency) < order.index(angry.urgency)
    assert "lawyer" in (angry.rationale or "")


def test_is_deterministic(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    texts = [t for t, _, _ in LABELLED] + ["asdf qwerty", ""]
    fields = [
        "main_category",
        "secondary_categories",
        "sentiment",
        "sentiment_intensity",
        "urgency",
        "root_cause_guess",
        "short_summary",
        "rationale",
        "confidence",
        "needs_review",
        "status",
        "prompt_version",
    ]
    first = provider.enrich(items(*texts), taxonomy)
    second = OfflineProvider().enrich(items(*texts), taxonomy)
    assert [r.model_dump(include=set(fields)) for r in first] == [
        r.model_dump(include=set(fields)) for r in second
    ]


def test_cached_paths_give_the_labels_of_a_cold_start(provider: OfflineProvider) -> None:
    """What is kept between texts (memoised VADER scores of texts and sentences, the
    compiled matchers, the taxonomy's languages) changes no label: the real-data slices
    in one batch on a warm provider equal each text alone, in reverse order from a cold
    memo, each on a new taxonomy object."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    reviews = pd.read_csv(fixtures / "clothing_slice" / "reviews.csv")
    texts = reviews["Review Text"].dropna().astype(str).tolist()[:150]
    texts += pd.read_csv(fixtures / "banking77_slice" / "test.csv")["text"].tolist()[:100]
    texts += [t for t, _, _ in LABELLED] + ["Die App stürzt ständig ab. Bitte beheben!"]
    langs = [None] * (len(texts) - 1) + ["de"]
    batch = [
        TextItem(text_hash=f"h{i}", text=t, language=lang)
        for i, (t, lang) in enumerate(zip(texts, langs, strict=True))
    ]
    loaded = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    warm = provider.enrich(batch, loaded)
    reset_sentiment_memo()
    cold = []
    for item in reversed(batch):  # each alone, the memo filled in another order
        # a new taxonomy object: nothing computed of it yet
        cold += provider.enrich([item], Taxonomy(loaded.version, dict(loaded.categories)))
    cold.reverse()
    drop = {"enriched_at", "latency_ms"}
    assert len(warm) == len(texts) > 200
    assert [r.model_dump(exclude=drop) for r in warm] == [r.model_dump(exclude=drop) for r in cold]


def test_every_record_validates_and_stays_in_the_taxonomy(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    texts = [t for t, _, _ in LABELLED] + [
        "asdf qwerty",
        "",
        "Great dress but it runs small, and delivery took three weeks. Customer service "
        "never answered my emails about the refund. " * 5,
    ]
    records = provider.enrich(items(*texts), taxonomy)
    assert len(records) == len(texts)
    allowed = set(taxonomy.ids) | {UNKNOWN_CATEGORY}
    for item, record in zip(items(*texts), records, strict=True):
        again = EnrichedRecord.model_validate(record.model_dump())
        assert again == record
        assert record.text_hash == item.text_hash
        assert record.main_category in allowed
        for secondary in (record.secondary_categories or "").split(","):
            assert secondary == "" or secondary in allowed - {record.main_category}
        # an answer is stored ok with its evidence; no threshold applied in Python
        assert record.status == "ok" and record.needs_review is False
        assert record.review_signals is None
        assert record.enrichment_key == ""
        assert record.provider == "offline"
        assert record.model == provider.model
        assert record.taxonomy_version == taxonomy.version
        assert record.prompt_version == provider.prompt_version(taxonomy)
        assert record.enriched_at.tzinfo is None
        assert record.prompt_tokens == record.completion_tokens == 0
        assert record.cost_usd == 0.0
        assert len(record.short_summary or "") <= 300


def test_summary_is_one_normalised_sentence_or_cut(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    record = enrich_one(provider, taxonomy, "  The box  was crushed.   The lamp inside cracked.")
    assert record.short_summary == "The box was crushed."
    long = enrich_one(provider, taxonomy, "word " * 200)
    assert len(long.short_summary or "") <= 120  # summary_chars, ellipsis included
    assert (long.short_summary or "").endswith("word…")


def _with_keyword(taxonomy_csv: Path, category_id: str, extra: str) -> Taxonomy:
    frame = pd.read_csv(taxonomy_csv, dtype=str, keep_default_na=False)
    row = frame["category_id"] == category_id
    frame.loc[row, "keywords"] = frame.loc[row, "keywords"] + "|" + extra
    return Taxonomy.from_frame(frame, "v1")


def test_prompt_version_tracks_rules_and_taxonomy(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    version = provider.prompt_version(taxonomy)
    assert version.startswith("offline-rules-v4+")
    assert version == OfflineProvider().prompt_version(Taxonomy.from_csv(CATEGORIES_CSV, "v1"))
    edited = _with_keyword(CATEGORIES_CSV, "packaging", "styrofoam")
    assert provider.prompt_version(edited) != version
    assert OfflineProvider(min_score=2.0).prompt_version(taxonomy) != version


def test_taxonomy_edit_changes_labels(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    text = "Flux capacitor went missing"
    assert enrich_one(provider, taxonomy, text).main_category == UNKNOWN_CATEGORY
    edited = _with_keyword(CATEGORIES_CSV, "product_defect", "flux capacitor")
    assert enrich_one(provider, edited, text).main_category == "product_defect"


def test_one_failing_text_does_not_stop_the_batch(
    monkeypatch: pytest.MonkeyPatch, taxonomy: Taxonomy
) -> None:
    provider = OfflineProvider()
    original = provider.sentiment_with_evidence

    def flaky(text: str, *args: Any, **kwargs: Any):
        if "poison" in text:
            raise RuntimeError("lexicon exploded")
        return original(text, *args, **kwargs)

    monkeypatch.setattr(provider, "sentiment_with_evidence", flaky)
    records = provider.enrich(
        items("I was charged twice", "poison pill text", "Love it, works perfectly"), taxonomy
    )
    assert [r.status for r in records] == ["ok", "failed", "ok"]
    failed = records[1]
    assert "lexicon exploded" in (failed.error or "")
    assert failed.main_category is None and failed.text_hash == "h1"
    assert records[0].error is None


def test_engine_builds_and_runs_it(taxonomy: Taxonomy) -> None:
    provider = make_provider("offline", min_score=2.0, concurrency=8)
    assert isinstance(provider, OfflineProvider)
    assert provider.options.min_score == 2.0
    texts = pd.DataFrame(
        {
            "text_hash": ["a", "b", "a"],
            "text": ["I was charged twice", "Please add dark mode", "I was charged twice"],
            "language": ["en", None, "en"],
        }
    )
    frame = enrich_frame(texts, taxonomy, provider)
    assert list(frame["main_category"]) == ["billing_payment", "feature_request"]
    assert frame["enrichment_key"].str.len().eq(32).all()


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(TypeError, match="unknown options"):
        OfflineProvider(review_treshold=0.5)


def test_fast_vader_matches_upstream() -> None:
    """The sped-up VADER gives upstream's scores exactly: on hand-made edge cases
    (negation, "no", "least", boosters in caps, idioms, "but", emoji) and on every text
    of the shipped real-data slices."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    texts = [
        "The product is not good at all, but the service was GREAT!!!",
        "I don't think this is kind of bad, without doubt it is never so good",
        "Love it 😍 :) but the box was crushed",
        "  ",
        "no problems at all, no good either; not the least bit happy, at least it came",
        "The VERY BEST!! EXTREMELY bad. Nor good or bad. no or bad",
        "It was the bomb, yeah right, kiss of death, hand to mouth, cut the mustard",
        "least good thing, very least happy, hardly great, barely nice",
        "sort of nice, kind of ugly, kinda bad, sorta love it",
        # punctuation emphasis ("!" up to four, "?" two, three, more) and texts whose
        # words all score 0 (boosters, "kind of", words outside the lexicon)
        "Is it good?? Really??? It was bad!!!!! and sad!",
        "good? bad?? fine???? ok!!",
        "very extremely so kind of",
        "!!! ??? ...",
        "the parcel arrived on Tuesday",
        "good bad",
    ]
    reviews = pd.read_csv(fixtures / "clothing_slice" / "reviews.csv")
    texts += reviews["Review Text"].dropna().astype(str).tolist()
    for split in ("train", "test"):
        texts += pd.read_csv(fixtures / "banking77_slice" / f"{split}.csv")["text"].tolist()
    assert len(texts) > 500
    upstream = SentimentIntensityAnalyzer()
    fast = sentiment_analyzer()
    mismatches = [t for t in texts if fast.polarity_scores(t) != upstream.polarity_scores(t)]
    assert mismatches == []


def test_records_are_what_validation_makes(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    """The provider's `ok` records have, field by field, the value and the type full
    validation of the same record gives (enum values as plain strings, floats as
    floats), for texts with one, several and no categories: a faster way of building
    them must keep this."""
    texts = [text for text, _, _ in LABELLED] + [
        "love the lamp, but the box arrived crushed and support never answered",
        "zzz qqq",
    ]
    records = provider.enrich(items(*texts), taxonomy)
    assert [r.status for r in records] == ["ok"] * len(texts)
    for record in records:
        validated = EnrichedRecord.model_validate(record.model_dump())
        for name in EnrichedRecord.model_fields:
            mine, full = getattr(record, name), getattr(validated, name)
            assert (mine, type(mine)) == (full, type(full)), name


def test_invalid_answer_is_still_rejected(
    monkeypatch: pytest.MonkeyPatch, taxonomy: Taxonomy
) -> None:
    """The contract still rejects what the rules produce when it breaks it: a summary
    over 300 characters makes the text `failed` with the validation error, not a row."""
    from feedback_lakehouse.enrichment.providers.offline import provider as module

    monkeypatch.setattr(module, "summarize", lambda *args, **kwargs: ("x" * 400, None))
    provider = OfflineProvider()
    (record,) = provider.enrich(items("I was charged twice"), taxonomy)
    assert record.status == "failed"
    assert "ValidationError" in (record.error or "") and "short_summary" in (record.error or "")
    assert record.main_category is None
