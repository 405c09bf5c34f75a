"""Self-trained sentiment (`selftrain_sentiment.py`): learned from the rules' sure texts of
the corpus, it labels words the lexicon does not know; its identity follows its
training set; a problem report stays negative."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.selftrain_dbt import (
    batch_sentiment_model,
    sentiment_model,
    stored_sentiment_model,
)
from feedback_lakehouse.enrichment.selftrain_sentiment import (
    SENTIMENT_EXAMPLE_MARK,
    ScoredText,
    SelfTrainedSentiment,
    SentimentSelfTrainSettings,
    source_weights,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)

# a corpus where "pilling" and "see-through" (unknown to the lexicon) come with clear
# complaints, and "roomy pockets" with clear praise; the other words of the unsure texts
# on both sides (a text with fewer than `min_known` of its words known gets the rules' label)
SURE = [
    *(f"Awful sweater {i}, pilling everywhere and terrible, I hate it, ordered my usual."
      for i in range(40)),
    *(f"Horrible, see-through fabric {i} and sleeves, really bad." for i in range(40)),
    *(f"Love it {i}, roomy pockets and beautiful, great buy, ordered my usual!"
      for i in range(40)),
    *(f"Wonderful coat {i}, roomy pockets and sleeves, amazing." for i in range(40)),
]  # fmt: skip
UNSURE_NEGATIVE = "Sleeves see-through and pilling."
UNSURE_POSITIVE = "Roomy pockets, ordered my usual."
SETTINGS = SentimentSelfTrainSettings()


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
    # the corpus' complaint words make a complaint; its praise words alone make no praise
    assert model.labels_of(scored(UNSURE_NEGATIVE, UNSURE_POSITIVE)) == ["negative", "neutral"]
    unguarded = SelfTrainedSentiment(
        scored(*SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE),
        settings=SentimentSelfTrainSettings(praise_needs_evidence=False),
    )
    assert unguarded.labels_of(scored(UNSURE_NEGATIVE, UNSURE_POSITIVE)) == [
        "negative",
        "positive",
    ]
    assert unguarded.identity != model.identity  # a setting of the model: another model


def test_praise_needs_a_positive_word_the_rules_read(model: SelfTrainedSentiment) -> None:
    """On support queries the model learns topic words from the rules' sure texts, and
    read questions as praise (banking77: 39.8% of information queries positive, against
    the rules' 21.3%, `scripts/measure_sentiment.py banking77`). Without a positive word
    the rules read (their score not above 0) the model does not make a text positive; with
    one, it may (the rules' neutral "Fine." becomes the corpus' praise)."""
    plain, fine = scored(UNSURE_POSITIVE, "Roomy pockets and sleeves, ordered my usual. Fine.")
    options = OfflineOptions()
    assert rules.score_of(plain.evidence, options) == 0
    assert (
        rules.score_of(fine.evidence, options) > 0
        and rules.label_of(fine.evidence, options) == "neutral"
    )
    assert model.labels_of([plain, fine]) == ["neutral", "positive"]


def test_a_question_is_not_made_praise(model: SelfTrainedSentiment) -> None:
    """A question with a word the lexicon likes ("great") about the corpus' praise words
    ("roomy pockets") asks, it does not praise: the model does not make it positive, as
    it does the same words told."""
    told, asked = scored(
        "Roomy pockets and sleeves in a great colour.",
        "Roomy pockets and sleeves in a great colour?",
    )
    assert model.labels_of([told, asked]) == ["positive", "neutral"]


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


# "roomy pockets" is the corpus' praise, but most of the words are not the corpus' own
UNLIKE = "Roomy pockets on this jacket, which I picked up at the outlet near my office."


def test_a_text_unlike_the_corpus_gets_the_rules_label_with_a_note(
    model: SelfTrainedSentiment,
) -> None:
    unguarded = SelfTrainedSentiment(
        scored(*SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE),
        settings=SentimentSelfTrainSettings(min_known=0.0, praise_needs_evidence=False),
    )
    (text,) = scored(UNLIKE)
    rules_label = rules.label_of(text.evidence, OfflineOptions())
    (share,) = model.known_shares([UNLIKE])
    assert share < SETTINGS.min_known
    # without the guard the model reads it from its two known words
    assert unguarded.labels_of([text]) == ["positive"] != [rules_label]
    assert model.decisions_of([text]) == [
        (rules_label, f"sentiment model: not used ({share:.1%} of words known, < 85%)")
    ]
    # the texts it knows keep the model's label, without a note
    assert model.decisions_of(scored(UNSURE_NEGATIVE)) == [("negative", None)]


def test_known_shares_count_the_model_vocabulary(model: SelfTrainedSentiment) -> None:
    shares = model.known_shares([UNSURE_POSITIVE, "Roomy zeppelin", "", "!!!"])
    assert shares == [1.0, 0.5, 0.0, 0.0]


def test_an_untrained_model_gives_exactly_the_rules_label() -> None:
    small = SelfTrainedSentiment(scored(*SURE[:5], *SURE[-5:]))
    assert not small.is_trained
    # mildly negative, mixed, positive, problem report: the rules' label_of, mixed included
    texts = scored(
        "The zipper is a bit annoying.",
        "I love the colour. The fabric is awful and it smells horrible.",
        "Nice enough.",
        "It crashes every time",
    )
    expected = [rules.label_of(t.evidence, small.options) for t in texts]
    assert expected == ["negative", "mixed", "positive", "negative"]
    assert small.labels_of(texts) == expected
    assert all(note is None for _, note in small.decisions_of(texts))


def test_provider_notes_the_guard_in_the_rationale(model: SelfTrainedSentiment) -> None:
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    provider = OfflineProvider(selftrained_sentiment=model)
    unlike, known = provider.enrich(
        [TextItem(text_hash="u", text=UNLIKE), TextItem(text_hash="k", text=UNSURE_NEGATIVE)],
        taxonomy,
    )
    assert unlike.sentiment == OfflineProvider().sentiment(UNLIKE)[0]
    assert "sentiment model: not used (" in (unlike.rationale or "")
    assert known.sentiment == "negative"
    assert "sentiment model: not used" not in (known.rationale or "")


def test_provider_uses_it_and_names_it_in_the_model(model: SelfTrainedSentiment) -> None:
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    provider = OfflineProvider(selftrained_sentiment=model)
    assert model.identity in provider.model
    items = [
        TextItem(text_hash="a", text=UNSURE_NEGATIVE),
        TextItem(text_hash="b", text=UNSURE_POSITIVE),
    ]
    assert [r.sentiment for r in provider.enrich(items, taxonomy)] == ["negative", "neutral"]


def _corpus_frame() -> pd.DataFrame:
    """The corpus as `int_texts__to_enrich` gives it; one German text, which the English
    lexicon does not read: never a pseudo-label."""
    texts = [*SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE]
    frame = pd.DataFrame(
        {
            "text_hash": [hashlib.sha256(t.encode()).hexdigest() for t in texts],
            "text": texts,
            "language": ["en"] * len(texts),
        }
    )
    german = pd.DataFrame(
        {
            "text_hash": ["de1"],
            "text": ["Schrecklich, furchtbar, ganz schlecht!"],
            "language": ["de"],
        }
    )
    return pd.concat([frame, german], ignore_index=True)


def _stored(
    model: SelfTrainedSentiment | None, first: int | None = None, corpus: pd.DataFrame | None = None
) -> tuple[duckdb.DuckDBPyConnection, OfflineProvider]:
    """A DuckDB with the first build's enriched rows (`enriched`: its `first` texts, all
    by default) and the texts (`texts`: all; `_corpus_frame()` by default)."""
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    provider = OfflineProvider(selftrained_sentiment=model)
    frame = _corpus_frame() if corpus is None else corpus
    everything, frame = frame, frame.iloc[:first]
    items = [
        TextItem(text_hash=h, text=t, language=lang)
        for h, t, lang in zip(frame["text_hash"], frame["text"], frame["language"], strict=True)
    ]
    records = provider.enrich(items, taxonomy)
    con = duckdb.connect()
    stored = pd.DataFrame(
        {
            "text_hash": [r.text_hash for r in records],
            "rationale": [r.rationale for r in records],
            "sentiment": [r.sentiment for r in records],
            "model": provider.model,
            "prompt_version": provider.prompt_version(taxonomy),
            "provider": "offline",
            "taxonomy_version": taxonomy.version,
            "enriched_at": datetime(2026, 1, 1),
        }
    )
    con.register("stored_frame", stored)
    con.execute("create table enriched as select * from stored_frame")
    con.register("texts_frame", everything)
    con.execute("create table texts as select * from texts_frame")
    return con, provider


def test_a_daily_run_rebuilds_the_stored_sentiment_model_from_its_marked_rows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    con0 = duckdb.connect()
    con0.register("corpus", _corpus_frame())
    model = batch_sentiment_model(con0.table("corpus"), OfflineOptions(), SETTINGS)
    assert model.is_trained, model.reason
    assert "de1" not in model.labels  # English texts only, as the provider labels them
    con, provider = _stored(model)
    assert model.identity in provider.model
    marked = con.sql(
        f"select count(*) from enriched where rationale like '%{SENTIMENT_EXAMPLE_MARK}%'"
    ).fetchall()[0][0]
    assert marked == len(model.labels) == len(SURE)
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    daily = SimpleNamespace(is_incremental=True, this="enriched")
    rebuilt = stored_sentiment_model(
        daily, con, con.table("texts"), taxonomy, OfflineOptions(), SETTINGS
    )
    assert rebuilt is not None and rebuilt.identity == model.identity
    unsure = scored(UNSURE_NEGATIVE, UNSURE_POSITIVE, "Pilling sleeves, see-through.")
    assert rebuilt.labels_of(unsure) == model.labels_of(unsure)
    # a first build (or full refresh) trains on its batch
    full = SimpleNamespace(is_incremental=False, this="enriched")
    assert stored_sentiment_model(full, con, con.table("texts"), taxonomy, None, SETTINGS) is None
    # other settings (as after an upgrade): the same texts, so the warning says what changed
    other = SentimentSelfTrainSettings(praise_needs_evidence=False)
    with caplog.at_level(logging.WARNING):
        assert (
            stored_sentiment_model(
                daily, con, con.table("texts"), taxonomy, OfflineOptions(), other
            )
            is None
        )
    assert f"was not rebuilt exactly from the same {len(SURE)} training texts" in caplog.text
    assert "its settings, the rules or the code changed" in caplog.text
    caplog.clear()
    # a training text gone: not the same model, said loudly, trained on the batch again
    con.execute(
        "delete from texts where text_hash = (select min(text_hash) from enriched "
        f"where rationale like '%{SENTIMENT_EXAMPLE_MARK}%')"
    )
    with caplog.at_level(logging.WARNING):
        gone = stored_sentiment_model(
            daily, con, con.table("texts"), taxonomy, OfflineOptions(), SETTINGS
        )
    assert gone is None
    assert "could not be rebuilt exactly" in caplog.text


def test_a_sentiment_model_trained_after_the_first_build_says_why_every_text_is_enriched_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A first build of 20 texts trains no sentiment model, and says so with what it needs;
    the daily run, with the whole corpus, trains one: it says that this is the first time
    (the pseudo-labels and the texts enriched before), not that a model is broken."""
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    con0 = duckdb.connect()
    con0.register("first", _corpus_frame().iloc[:20])
    full = SimpleNamespace(is_incremental=False, this="enriched")
    with caplog.at_level(logging.INFO):
        none = sentiment_model(
            full, con0, con0.table("first"), taxonomy, OfflineOptions(), SETTINGS
        )
    assert not none.is_trained
    assert f"fewer than {SETTINGS.min_examples} of one side" in caplog.text
    assert "a later run with enough sure texts trains it" in caplog.text
    caplog.clear()
    con, _ = _stored(None, first=20)
    daily = SimpleNamespace(is_incremental=True, this="enriched")
    with caplog.at_level(logging.WARNING):
        model = sentiment_model(
            daily, con, con.table("texts"), taxonomy, OfflineOptions(), SETTINGS
        )
    assert model.is_trained
    assert (
        f"trained for the first time on this run ({len(SURE)} pseudo-labels; the 20 texts "
        "enriched before carry none" in caplog.text
    )
    assert "could not be rebuilt" not in caplog.text
    # once stored, the next run rebuilds it and says nothing
    con, _ = _stored(model)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = sentiment_model(
            daily, con, con.table("texts"), taxonomy, OfflineOptions(), SETTINGS
        )
    assert again.identity == model.identity and caplog.text == ""


def test_the_example_note_does_not_hide_the_category_mark() -> None:
    # the sentiment note comes after the category notes: the category self-training
    # reads its mark at the start of the rationale
    model = SelfTrainedSentiment(scored(*SURE))
    (text_hash,) = [h for h, label in model.labels.items() if label == "negative"][:1]
    assert model.example_note(text_hash) == f"{SENTIMENT_EXAMPLE_MARK} negative"
    assert model.example_note("not a training text") is None
    rows = [(text_hash, SURE[0], f"delivery 0.4; {SENTIMENT_EXAMPLE_MARK} negative; x", None)]
    again = SelfTrainedSentiment.from_rationales(rows, settings=SETTINGS)
    assert again.labels == {text_hash: "negative"}


# two sources whose sure texts lean opposite ways, each with its own words: the shop's
# "dress fabric" mostly praised, the bank's "card transfer" mostly complained about
SHOP = [
    *(f"Order {i}: dress fabric, wonderful, love it." for i in range(40)),
    *(f"Order {i}: dress fabric, terrible, hate it." for i in range(40, 52)),
]
BANK = [
    *(f"Order {i}: card transfer, terrible, hate it." for i in range(52, 92)),
    *(f"Order {i}: card transfer, wonderful, love it." for i in range(92, 104)),
]
FEW = SentimentSelfTrainSettings(min_examples=10)  # 12 of the smaller side per source


def sourced(group: str, *texts: str) -> list[ScoredText]:
    return [replace(t, group=group) for t in scored(*texts)]


def test_each_source_weighs_its_two_sides_alike() -> None:
    """Pooled, a source's own words read as that source's usual side; with each source's
    positives and negatives weighed alike they read as neither (on real data: 3,000
    clothing reviews mixed with 10,000 banking queries, the reviews' half B macro-F1
    0.526 -> 0.565, docs/quality-history.md)."""
    pooled = SelfTrainedSentiment(scored(*SHOP, *BANK), settings=FEW)
    weighed = SelfTrainedSentiment(sourced("shop", *SHOP) + sourced("bank", *BANK), settings=FEW)
    assert weighed.reason.endswith("each of 2 sources weighed alike"), weighed.reason
    assert "sources" not in pooled.reason
    probes = scored("Order 200: dress fabric.", "Order 201: card transfer.")
    dress, card = pooled.blended(probes)
    assert dress > 0.2 and card < -0.2
    dress, card = weighed.blended(probes)
    assert abs(dress) < 0.1 and abs(card) < 0.1
    assert weighed.identity != pooled.identity  # the sources are part of what it learned


def test_one_source_is_the_model_without_sources(model: SelfTrainedSentiment) -> None:
    # a corpus of one source, or of texts stored before the column: the same model
    same = SelfTrainedSentiment(sourced("shop", *SURE, UNSURE_NEGATIVE, UNSURE_POSITIVE))
    assert same.identity == model.identity and same.reason == model.reason


def test_a_source_with_few_of_one_side_is_balanced_with_the_rest() -> None:
    labels = [1] * 40 + [0] * 40 + [1] * 20 + [0] * 2
    groups = ["shop"] * 80 + ["survey"] * 22
    weights = source_weights(labels, groups, least=10)
    assert weights is not None
    # the shop: each side half of its 80; the survey (2 negatives) goes with the texts of
    # sources too small to balance alone, here none other: each side half of its 22
    assert weights[:40].sum() == pytest.approx(40) and weights[40:80].sum() == pytest.approx(40)
    assert weights[80:100].sum() == pytest.approx(11) and weights[100:].sum() == pytest.approx(11)
    assert source_weights(labels, ["shop"] * 102, least=10) is None  # one source
    assert source_weights(labels, groups, least=50) is None  # none balanced on its own


def test_a_daily_run_rebuilds_a_model_that_weighed_its_sources() -> None:
    """The texts' `source` column (`int_texts__to_enrich`) weighs the batch's pseudo-labels,
    and the stored model is rebuilt with the same sources: the same identity."""
    texts = [*SHOP, *BANK]
    corpus = pd.DataFrame(
        {
            "text_hash": [hashlib.sha256(t.encode()).hexdigest() for t in texts],
            "text": texts,
            "language": "en",
            "source": ["shop"] * len(SHOP) + ["bank"] * len(BANK),
        }
    )
    con0 = duckdb.connect()
    con0.register("corpus", corpus)
    model = batch_sentiment_model(con0.table("corpus"), OfflineOptions(), FEW)
    assert model.reason.endswith("each of 2 sources weighed alike"), model.reason
    con, _ = _stored(model, corpus=corpus)
    daily = SimpleNamespace(is_incremental=True, this="enriched")
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    rebuilt = stored_sentiment_model(
        daily, con, con.table("texts"), taxonomy, OfflineOptions(), FEW
    )
    assert rebuilt is not None and rebuilt.identity == model.identity
    # the same stored rows read without their sources are another model
    con.execute("alter table texts drop column source")
    assert stored_sentiment_model(daily, con, con.table("texts"), taxonomy, None, FEW) is None
