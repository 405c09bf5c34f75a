"""Speed changes of the offline provider and the self-training that must not change a
result: each saves work, and these tests check both that the work is saved and that the
answer is the same (the frozen-output tests check the provider's rows as a whole)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

ROOT = Path(__file__).resolve().parents[2]


def _clothing_texts() -> list[str]:
    with (ROOT / "tests" / "fixtures" / "clothing_slice" / "reviews.csv").open(
        encoding="utf-8"
    ) as f:
        return [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"]]


class _Counting:
    """A VADER that counts the strings it scores."""

    def __init__(self) -> None:
        self.inner = sentiment_analyzer()
        self.scored: list[str] = []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.scored.append(text)
        return self.inner.polarity_scores(text)


def test_label_only_evidence_gives_the_same_label_with_one_pass_fewer() -> None:
    """The aspect clauses' evidence (`label_only`) labels every text as the full evidence
    does, and a text of several sentences is not scored by VADER as a whole."""
    options = OfflineOptions()
    texts = _clothing_texts()
    several = 0
    for text in texts:
        full, quick = _Counting(), _Counting()
        want = rules.label_of(rules.evidence_of(text, full), options)
        got = rules.label_of(rules.evidence_of(text, quick, label_only=True), options)
        assert got == want, text
        if len(full.scored) > 1:  # several sentences: the whole text is not scored
            several += 1
            assert quick.scored == full.scored[1:], text
    assert several >= 100


def test_rule_choice_scores_sentences_not_the_whole_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Self-training's rule labels need a praise text's sentiment label only: its
    sentences are scored, the whole text is not scored again."""
    import pandas as pd

    from feedback_lakehouse.enrichment import selftrain
    from feedback_lakehouse.enrichment.engine import make_provider
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

    seeds = ROOT / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(
        seeds / "taxonomy_categories.csv",
        default_version(pd.read_csv(seeds / "taxonomy_versions.csv")),
    )
    base = make_provider("offline")
    counting = _Counting()
    monkeypatch.setattr(selftrain, "sentiment_analyzer", lambda: counting)
    text = "I love this mug, great quality. The colour is lovely and it keeps tea hot."
    choice = selftrain.rule_choice(text, taxonomy, base.options, "k", "en")
    assert choice.main == "praise"
    assert counting.scored, "praise scored: the sentiment is read"
    assert text not in counting.scored and len(counting.scored) == 2


def test_language_code_is_kept_per_spelling() -> None:
    """The offline provider asks for a text's language code about six times: each
    spelling is worked out once, and the code is the same as computed."""
    from feedback_lakehouse.enrichment.taxonomy import language_code

    language_code.cache_clear()
    assert [language_code(v) for v in ("de-AT", "de-AT", " EN_us", None, "")] == [
        "de",
        "de",
        "en",
        "en",
        "en",
    ]
    assert language_code.cache_info().hits == 1
