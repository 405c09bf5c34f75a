"""Self-trained sentiment (`selftrain_sentiment.py`): learned from the rules' sure texts of
the corpus, it labels words the lexicon does not know; its identity follows its
training set; a problem report stays negative."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.selftrain_sentiment import (
    ScoredText,
    SelfTrainedSentiment,
    SentimentSelfTrainSettings,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)

# a corpus where "pilling" and "see-through" (unknown to the lexicon) come with clear
# complaints, and "roomy pockets" with clear praise
SURE = [
    *(f"Awful sweater {i}, pilling everywhere and terrible, I hate it." for i in range(40)),
    *(f"Horrible, see-through fabric {i}, really bad." for i in range(40)),
    *(f"Love it {i}, roomy pockets and beautiful, great buy!" for i in range(40)),
    *(f"Wonderful coat {i}, roomy pockets, amazing." for i in range(40)),
]
UNSURE_NEGATIVE = "The sleeves are see-through and pilling after one wash."
UNSURE_POSITIVE = "Roomy pockets, ordered my usual."


def scored(*texts: str) -> list[ScoredText]:
    vader = sentiment_analyzer()
    return [
        ScoredText(hashlib.sha256(t.encode()).hexdigest(), t, rules.evidence_of(t, vader))
        for t in texts
    ]


@pytest.fixture(scope="module")
def model() -> SelfTrainedSentiment:
    return SelfTrainedSentiment(scored(*SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE))


def test_the_rules_alone_do_not_read_the_corpus_words(model: SelfTrainedSentiment) -> None:
    # what the model must add: the rules' label of these texts is neutral
    provider = OfflineProvider()
    assert provider.sentiment(UNSURE_NEGATIVE)[0] == "neutral"
    assert provider.sentiment(UNSURE_POSITIVE)[0] == "neutral"


def test_learns_the_corpus_sentiment_words(model: SelfTrainedSentiment) -> None:
    assert model.is_trained, model.reason
    assert model.labels_of(scored(UNSURE_NEGATIVE, UNSURE_POSITIVE)) == ["negative", "positive"]


def test_a_problem_report_is_never_positive(model: SelfTrainedSentiment) -> None:
    (label,) = model.labels_of(scored("Roomy pockets, love it, but it arrived broken. Fix it ASAP"))
    assert label == "negative"


def test_identity_follows_the_training_set_and_settings(model: SelfTrainedSentiment) -> None:
    same = SelfTrainedSentiment(scored(*reversed(SURE), UNSURE_POSITIVE, UNSURE_NEGATIVE))
    fewer = SelfTrainedSentiment(scored(*SURE[1:], UNSURE_NEGATIVE, UNSURE_POSITIVE))
    other = SelfTrainedSentiment(
        scored(*SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE),
        settings=SentimentSelfTrainSettings(c=1.0),
    )
    assert same.identity == model.identity
    assert fewer.identity != model.identity
    assert other.identity != model.identity


def test_too_few_sure_texts_is_rules_only() -> None:
    small = SelfTrainedSentiment(scored(*SURE[:5], *SURE[-5:]))
    assert not small.is_trained
    assert "rules only" in small.reason
    # without a model the rules' score decides, with the same problem-report rule
    assert small.labels_of(scored("It crashes every time")) == ["negative"]


def test_provider_uses_it_and_names_it_in_the_model(model: SelfTrainedSentiment) -> None:
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    provider = OfflineProvider(selftrained_sentiment=model)
    assert model.identity in provider.model
    items = [
        TextItem(text_hash="a", text=UNSURE_NEGATIVE),
        TextItem(text_hash="b", text=UNSURE_POSITIVE),
    ]
    assert [r.sentiment for r in provider.enrich(items, taxonomy)] == ["negative", "positive"]
