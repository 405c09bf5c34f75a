"""Issue 18, part 4: the offline provider's `short_summary` and `root_cause_guess`.

The summary is the sentence that carries the evidence (not the first one; a greeting or
filler sentence never wins over one with content), cut to a readable length. The root
cause is a phrase of the text around the matched evidence, never a category name, and
null when nothing matched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.providers.offline.summary import _spans, sentences_of
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "taxonomy"

# complaints in the shape customers write them: a title or greeting first, the problem later
COMPLAINTS = [
    "Hi. The zipper broke after one wash.",
    "Well. Hmm. My parcel never arrived and tracking has not updated for a week.",
    "Customer service. The support agent was rude and hung up on me.",
    "Packaging. The packaging was torn and the box arrived soaking wet.",
    "Usability. The settings menu is confusing and I cannot find the export button.",
    "Feature request. Please add dark mode to the app.",
    "Billing and payment. I was charged twice for one order.",
    "Hello team, I forgot my password and now I'm locked out of my account. Thanks.",
    "App keeps crashing on login since the last update. Please fix.",
    "Way too expensive for what you get.",
    "Terrible. Delivery was rescheduled three times and nobody came.",
    "I love the colour but the seams came apart after two days and there is a hole.",
]


@pytest.fixture(scope="module", params=["v1", "v2"])
def taxonomy(request: pytest.FixtureRequest) -> Taxonomy:
    return Taxonomy.from_csv(SEEDS / "taxonomy_categories.csv", request.param)


@pytest.fixture(scope="module")
def provider() -> OfflineProvider:
    return OfflineProvider()


def enrich(provider: OfflineProvider, taxonomy: Taxonomy, *texts: str):
    items = [TextItem(text_hash=f"h{i}", text=t) for i, t in enumerate(texts)]
    return provider.enrich(items, taxonomy)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_summary_is_the_sentence_with_the_evidence(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    (record,) = enrich(provider, taxonomy, "Hi. The zipper broke after one wash.")
    assert record.main_category == "product_defect"
    assert record.short_summary == "The zipper broke after one wash."


@pytest.mark.parametrize(
    "text",
    [
        "Hi. Well. Filters reset every time I go back.",
        "Hello there! Hmm. Filters reset every time I go back. Thanks, Anna",
        "Ok. So. Filters reset every time I go back.",
    ],
)
def test_greeting_or_filler_never_wins_over_content(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    """No keyword and no sentiment word anywhere: the first sentence with content wins."""
    (record,) = enrich(provider, taxonomy, text)
    assert record.short_summary == "Filters reset every time I go back."


def test_summary_is_cut_at_a_word_boundary_and_keeps_the_evidence(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    filler = "I bought this for my sister who lives abroad and wanted it for a wedding " * 3
    text = f"Hi. {filler}but the zipper broke on the very first day of wearing it."
    (record,) = enrich(provider, taxonomy, text)
    summary = record.short_summary or ""
    assert len(summary) <= 121, summary  # 120 characters and the ellipsis
    assert "…" in summary
    assert "zipper broke" in summary
    words = set(_words(text))
    assert set(_words(summary)) <= words, "a word was cut in two"


def test_root_cause_is_a_phrase_of_the_text_never_a_category_name(
    provider: OfflineProvider, taxonomy: Taxonomy
) -> None:
    names = [c.category_name.lower() for c in taxonomy.categories.values()]
    records = enrich(provider, taxonomy, *COMPLAINTS)
    found = 0
    for text, record in zip(COMPLAINTS, records, strict=True):
        cause = record.root_cause_guess
        if cause is None:
            continue
        found += 1
        assert cause.lower() in " ".join(text.lower().split()), (text, cause)
        for name in names:
            assert not cause.lower().startswith(name), (text, cause, name)
            assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", cause.lower()), (text, cause)
    # most of these complaints name their problem: a root cause for at least 9 of 12
    assert found >= 9, [(r.main_category, r.root_cause_guess) for r in records]


def test_root_cause_widens_the_evidence(provider: OfflineProvider, taxonomy: Taxonomy) -> None:
    (zipper, parcel) = enrich(
        provider,
        taxonomy,
        "Hi. The zipper broke after one wash.",
        "Well. My parcel never arrived.",
    )
    assert zipper.root_cause_guess == "zipper broke"
    assert parcel.root_cause_guess == "parcel never arrived"


@pytest.mark.parametrize(
    "text",
    [
        "Well. Filters reset every time I go back.",  # nothing matched: unknown
        "Hi. Just checking in.",
        "",
    ],
)
def test_root_cause_is_null_when_nothing_matched(
    provider: OfflineProvider, taxonomy: Taxonomy, text: str
) -> None:
    (record,) = enrich(provider, taxonomy, text)
    assert record.main_category == "unknown"
    assert record.root_cause_guess is None


TRICKY = [
    "Hi.\n\nThe app won't load… again!!! Can't log in (error_42).\r\nThanks,\n  Anna",
    "rock'n'roll ‘quoted’ text - it's fine?Yes. ´tis `odd` 10.5% off",
    "Ünïcödé straße… 日本語のテキスト. ok",
    "",
    "   ",
]


@pytest.mark.parametrize("text", TRICKY)
def test_sentences_keep_the_texts_tokens(text: str) -> None:
    """The category scores read the sentences' tokens: they must be the text's tokens."""
    sentences = sentences_of(text)
    assert sentences.tokens == tokens_of(text)
    assert [w for k in range(len(sentences.firsts)) for w in sentences.words(k)] == (
        sentences.tokens
    )
    for k in range(len(sentences.firsts)):
        text_k, words = sentences.text(k), sentences.words(k)
        assert _spans(text_k, words, len(words)) is not None, text_k
