"""Speed changes of a first build with self-training that must not change a result (the
frozen-output tests check the rows): each text's sentiment evidence is computed once."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment import engine
from feedback_lakehouse.enrichment.engine import make_provider
from feedback_lakehouse.enrichment.providers.offline import cues, rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.selftrain_dbt import first_build_model, first_build_sentiment
from feedback_lakehouse.enrichment.selftrain_sentiment import SentimentSelfTrainSettings
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

ROOT = Path(__file__).resolve().parents[2]


def _frame() -> pd.DataFrame:
    with (ROOT / "tests" / "fixtures" / "clothing_slice" / "reviews.csv").open(
        encoding="utf-8"
    ) as f:
        texts = sorted({row["Review Text"] for row in csv.DictReader(f) if row["Review Text"]})
    return pd.DataFrame(
        {
            "text_hash": [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts],
            "text": texts,
            "language": ["en"] * len(texts),
        }
    )


def test_a_first_build_reads_each_texts_sentiment_evidence_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The self-trained sentiment's pseudo-labels, the category pseudo-labels, the
    provider's self-trained label and its own sentiment share one evidence per text
    (`emphasis_of` is counted: only the full evidence reads it), and it is the evidence
    a fresh analyzer computes."""
    seeds = ROOT / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(
        seeds / "taxonomy_categories.csv",
        default_version(pd.read_csv(seeds / "taxonomy_versions.csv")),
    )
    frame = _frame()
    counted: Counter[str] = Counter()
    emphasis_of = cues.emphasis_of

    def counting(text: str) -> tuple[int, int, int]:
        counted[text] += 1
        return emphasis_of(text)

    monkeypatch.setattr(cues, "emphasis_of", counting)
    reset_sentiment_memo()
    # the slice's few negative reviews: a lower floor, so the model is trained
    sentiment = first_build_sentiment(frame, settings=SentimentSelfTrainSettings(min_examples=10))
    assert sentiment.is_trained, sentiment.reason
    model = first_build_model(frame, taxonomy)
    provider = make_provider(
        "offline",
        selftrained=model if model.is_trained else None,
        selftrained_sentiment=sentiment,
    )
    items = [
        TextItem(text_hash=h, text=t, language="en")
        for h, t in zip(frame["text_hash"], frame["text"], strict=True)
    ]
    provider.enrich(items, taxonomy)
    texts = frame["text"].tolist()
    assert len(texts) >= 100
    assert all(counted[t] == 1 for t in texts), Counter(counted[t] for t in texts)
    kept = sentiment_analyzer().evidence_memo  # type: ignore[attr-defined]
    monkeypatch.setattr(cues, "emphasis_of", emphasis_of)
    reset_sentiment_memo()
    fresh = sentiment_analyzer()
    assert all(kept[t] == rules.evidence_of(t, fresh) for t in texts[:50])


# one text per branch of each `cues.DEFECT_CUES` pattern (a new pattern needs one here)
DEFECT_PROBES = (
    "the app crashes",
    "it froze",
    "it keeps freezing",
    "the screen is frozen",
    "stopped charging",
    "it quits working",
    "keeps logging me out",
    "an error",
    "so buggy",
    "a glitchy app",
    "payment failed",
    "i am locked out",
    "the zip broke",
    "the seam came apart",
    "it leaks",
    "a torn hem",
    "wrong size sent",
    "missing buttons",
    "lost in transit",
    "arrived late",
    "charged me twice",
    "double-charged",
    "overcharged",
    "the battery gave out",
    "it conked out",
    "it died on me",
    "it arrived in pieces",
    "wrecked",
    "please fix this",
    "sort it out",
    "fix asap",
    "great. sort it now",
    "my top up is taking forever",
    "pending since forever",
    "the seam split open",
    "my card was declined",
    "the transfer got rejected",
    "my account was hacked",
)


def test_every_defect_cue_has_a_defect_word() -> None:
    """The words `problem_cues` tests before it runs the defect alternation: each pattern
    matches a probe, and each probe a pattern matches has one of the words."""
    import re

    for pattern in cues.DEFECT_CUES:
        matched = [p for p in DEFECT_PROBES if re.search(pattern, p)]
        assert matched, f"no probe for {pattern!r}: add one to DEFECT_PROBES"
        for probe in matched:
            assert any(w in probe for w in cues.DEFECT_WORDS), (pattern, probe)


class _CountingPattern:
    """A compiled pattern that counts its `finditer` calls."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls = 0

    def finditer(self, text: str) -> object:
        self.calls += 1
        return self.inner.finditer(text)  # type: ignore[attr-defined]


def test_problem_cues_skip_the_defect_alternation_without_a_defect_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A text without any defect word is not scanned by the defect alternation, and the
    cues found are those the alternation alone finds, on the clothing slice and the
    offline provider's frozen corpus."""
    import gzip
    import json

    reference = cues._DEFECT
    counting = _CountingPattern(reference)
    monkeypatch.setattr(cues, "_DEFECT", counting)
    assert cues.problem_cues(cues.lowered("Love this dress, it fits great!")) == []
    assert counting.calls == 0
    assert cues.problem_cues(cues.lowered("It arrived broken.")) == ["broken"]
    assert counting.calls == 1
    fixture = ROOT / "tests" / "fixtures" / "offline_frozen" / "offline_output.json.gz"
    texts = [t for t, _ in json.loads(gzip.decompress(fixture.read_bytes()))["texts"]]
    texts += _frame()["text"].tolist()
    lows = [cues.lowered(t) for t in texts]
    got = [cues.problem_cues(low) for low in lows]
    monkeypatch.setattr(cues, "DEFECT_WORDS", ("",))  # every text passes: the old path
    want = [cues.problem_cues(low) for low in lows]
    assert got == want
    assert sum(bool(g) for g in got) >= 20


def test_a_batch_is_tokenised_once_for_both_self_trained_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The provider's two self-trained models (category and sentiment, with its known-word
    share) read each text's words from one tokenisation (`word_tokens.shared`), not three,
    and label as the models' own pipelines do."""
    from sklearn.feature_extraction.text import CountVectorizer

    from feedback_lakehouse.enrichment import word_tokens

    seeds = ROOT / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(
        seeds / "taxonomy_categories.csv",
        default_version(pd.read_csv(seeds / "taxonomy_versions.csv")),
    )
    frame = _frame()
    reset_sentiment_memo()
    sentiment = first_build_sentiment(frame, settings=SentimentSelfTrainSettings(min_examples=10))
    model = first_build_model(frame, taxonomy)
    assert sentiment.is_trained and model.is_trained
    texts = frame["text"].tolist()
    want = (sentiment.pipeline.predict_proba(texts), model.pipeline.predict_proba(texts))
    counted: Counter[str] = Counter()
    build_tokenizer, tokens_of = CountVectorizer.build_tokenizer, word_tokens.tokens_of

    def counting(tokenize):  # type: ignore[no-untyped-def]
        def tokenized(doc):  # type: ignore[no-untyped-def]
            if isinstance(doc, str):  # a text tokenised, not a token list read
                counted[doc] += 1
            return tokenize(doc)

        return tokenized

    monkeypatch.setattr(CountVectorizer, "build_tokenizer", lambda v: counting(build_tokenizer(v)))
    monkeypatch.setattr(word_tokens, "tokens_of", counting(tokens_of))
    provider = make_provider("offline", selftrained=model, selftrained_sentiment=sentiment)
    items = [
        TextItem(text_hash=h, text=t, language="en")
        for h, t in zip(frame["text_hash"], frame["text"], strict=True)
    ]
    provider.enrich(items, taxonomy)
    assert all(counted[t] == 1 for t in texts), Counter(counted[t] for t in texts)
    with word_tokens.shared(texts):
        got = (
            sentiment.pipeline.named_steps["classifier"].predict_proba(
                word_tokens.transform(sentiment.pipeline.named_steps["words"], texts)
            ),
            model.pipeline.named_steps["classifier"].predict_proba(
                word_tokens.transform(model.pipeline.named_steps["words"], texts)
            ),
        )
    assert all((w == g).all() for w, g in zip(want, got, strict=True))


def test_shared_tokens_raise_no_stop_word_warning() -> None:
    """A vectorizer with English stop words, read through the batch's shared tokens, gives
    the same matrix and no scikit-learn "stop_words may be inconsistent" UserWarning
    (`make demo` printed it 12 times: in a worker process the unpickled model's stop-word
    check runs again, and the token-reading copy's identity tokenizer split each stop word
    into letters)."""
    import pickle
    import warnings

    from sklearn.feature_extraction.text import TfidfVectorizer

    from feedback_lakehouse.enrichment import word_tokens

    texts = ["The parcel never arrived and nobody answered", "Love the lamp, but not the box"]
    fitted = TfidfVectorizer(ngram_range=(1, 2), stop_words="english").fit(texts)
    expected = fitted.transform(texts).toarray()
    fitted = pickle.loads(pickle.dumps(fitted))  # as a parallel worker receives it
    # ... in another process, where the remembered id of the checked stop words no longer
    # matches, so scikit-learn checks them again (in this process the ids still match)
    del fitted._stop_words_id
    # recorded, not raised: scikit-learn's check catches any exception of its own
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with word_tokens.shared(texts):
            got = word_tokens.transform(fitted, texts).toarray()
    assert (got == expected).all()
    assert [str(w.message) for w in caught if "stop_words" in str(w.message)] == []


def test_a_worker_reads_the_evidence_this_process_carried_to_it() -> None:
    """`enrich_frame` hands its workers each text's kept evidence (`carried.state_of`): the
    worker reads it instead of scoring the text again. Carried evidence that differs from
    what the text would score (a problem report on praise) shows which was read."""
    from dataclasses import replace

    from feedback_lakehouse.enrichment.engine import _enrich_rows
    from feedback_lakehouse.enrichment.parallel import SentOnce

    taxonomy = Taxonomy.from_csv(ROOT / "seeds" / "taxonomy" / "taxonomy_categories.csv", "v1")
    provider = make_provider("offline")
    text = "Love the colour, fits perfectly"
    reset_sentiment_memo()
    own = rules.evidence_of(text, sentiment_analyzer())
    carried = replace(own, compounds=(-0.9,), problems=("crashes",))
    reset_sentiment_memo()  # a fresh worker: nothing kept
    (row,) = _enrich_rows(SentOnce(provider), taxonomy, 500, [("h1", text, "en", carried)])
    reset_sentiment_memo()
    (plain,) = _enrich_rows(SentOnce(provider), taxonomy, 500, [("h1", text, "en")])
    sentiment = list(engine.ENRICHED_COLUMNS).index("sentiment")
    assert (plain[sentiment], row[sentiment]) == ("positive", "negative")
    # and this process offers what it keeps (the plain run scored the text), None for a
    # text it has not scored
    assert provider.carried.state_of([text, "never scored"]) == [own, None]


def test_a_first_build_over_worker_processes_equals_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sentiment self-training scores its texts over worker processes, and this
    process keeps their evidence; the enrichment's workers get it with the texts. Same
    models and the same rows as in one process."""
    from functools import partial

    from feedback_lakehouse.enrichment import parallel, selftrain_dbt
    from feedback_lakehouse.enrichment.engine import enrich_frame

    seeds = ROOT / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(
        seeds / "taxonomy_categories.csv",
        default_version(pd.read_csv(seeds / "taxonomy_versions.csv")),
    )
    frame = _frame()
    settings = SentimentSelfTrainSettings(min_examples=10)

    def build(workers: int) -> tuple[str, pd.DataFrame]:
        reset_sentiment_memo()
        rules.reset_score_memo()
        sentiment = first_build_sentiment(frame, settings=settings, workers=workers)
        if workers > 1:  # every text was scored by a worker, and is kept here
            kept = sentiment_analyzer().evidence_memo  # type: ignore[attr-defined]
            assert all(t in kept for t in frame["text"])
        model = first_build_model(frame, taxonomy)
        provider = make_provider(
            "offline",
            selftrained=model if model.is_trained else None,
            selftrained_sentiment=sentiment,
        )
        out = enrich_frame(frame, taxonomy, provider, workers=workers, min_parallel=10)
        return sentiment.identity, out

    # every chunk in a worker process (pickled there and back)
    every_chunk_in_workers = partial(parallel.map_chunks, min_items=10, work_here=False)
    monkeypatch.setattr(selftrain_dbt, "map_chunks", every_chunk_in_workers)
    monkeypatch.setattr(engine, "map_chunks", partial(parallel.map_chunks, work_here=False))
    one_identity, one = build(1)
    two_identity, two = build(2)
    assert one_identity == two_identity
    columns = [c for c in one.columns if c not in ("enriched_at", "latency_ms")]
    pd.testing.assert_frame_equal(one[columns], two[columns])
