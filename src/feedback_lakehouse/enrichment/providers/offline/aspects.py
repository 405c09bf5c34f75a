"""Aspect sentiment for the offline provider: each category's own sentiment, from the
clauses that carry that category's evidence.

"love the lamp, but the box arrived crushed and support never answered" is one sentence
with three categories; its overall sentiment says little about each. The text is cut
into clauses: its sentences (`summary.sentences_of`), each cut again before a contrast
word ("but", "however", "although", ...: English, German, Spanish and French). A category
whose taxonomy phrases matched (the matcher's evidence the labels were chosen from) is
scored on the clauses holding those matches only, with the same sentiment rules as the
whole text (`rules.sentiment_of`: VADER and the complaint and problem cues; another
language's cue words, `languages.sentiment_of`). A category gets the overall sentiment
when it is the text's only category, when no phrase of it matched (a label from the
learned or self-trained model), when its clauses are the whole text, and when its
clauses express no sentiment of their own (neutral: "Slow shipping." followed by
"Really disappointed." is about shipping and negative; in English a clause must be
clearly positive or negative, `_sentiment_of`). So a category's own sentiment
only replaces the text's where its own clauses say something else.

Cost: nothing for a one-category text (most texts); otherwise one VADER pass per
distinct clause set of a category, on texts the provider has already tokenised.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from feedback_lakehouse.contracts import CategorySentiment
from feedback_lakehouse.enrichment.providers.offline import languages, rules
from feedback_lakehouse.enrichment.providers.offline.matcher import STOPWORDS
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.providers.offline.summary import (
    FILLER,
    Found,
    Sentences,
    matches_of,
)
from feedback_lakehouse.enrichment.taxonomy import BASE_LANGUAGE, language_code

# a clause starts at one of these words (tokens are lower-cased, apostrophes dropped)
_CONTRAST_TEXT = """but however although though yet whereas except
    aber jedoch doch allerdings trotzdem pero aunque sino mais cependant pourtant"""
CONTRAST_WORDS = frozenset(_CONTRAST_TEXT.split())
# words that carry no opinion of their own: a clause of these and the matched phrase only
# is a topic heading
_NOT_OPINION = STOPWORDS | FILLER | CONTRAST_WORDS


def clause_bounds(sentences: Sentences) -> tuple[list[int], list[int]]:
    """(first token, end token) of each clause: a clause starts at each sentence's first
    token and at each contrast word (a sentence starting with "But" makes one clause)."""
    starts = set(sentences.firsts)
    starts.update(i for i, token in enumerate(sentences.tokens) if token in CONTRAST_WORDS)
    ordered = sorted(starts)
    return ordered, [*ordered[1:], len(sentences.tokens)]


def clauses_by_category(
    sentences: Sentences,
    bounds: tuple[list[int], list[int]],
    found: Found,
    categories: Sequence[str],
) -> dict[str, tuple[int, ...]]:
    """The clauses (indices into `bounds`) holding each category's matches, less those
    that hold nothing but the matched phrase ("Support.", "Packaging:"): a phrase names
    the topic, it is no opinion. Categories without such a clause are left out."""
    starts, ends = bounds
    wanted = set(categories)
    matched: dict[str, set[int]] = {}
    for start, key, category, _weight in matches_of(found):
        if category in wanted:
            size = key.count(" ") + 1
            matched.setdefault(category, set()).update(range(start, start + size))
    tokens = sentences.tokens
    out: dict[str, tuple[int, ...]] = {}
    for category, positions in matched.items():
        held = sorted({bisect_right(starts, i) - 1 for i in positions})
        kept = tuple(
            k
            for k in held
            if any(
                i not in positions and tokens[i] not in _NOT_OPINION
                for i in range(starts[k], ends[k])
            )
        )
        if kept:
            out[category] = kept
    return out


def _sentiment_of(
    parts: list[list[str]],
    language: str | None,
    options: OfflineOptions,
    analyzer: SentimentIntensityAnalyzer,
) -> str:
    """The clauses' own sentiment, `neutral` when they express none clearly: in English a
    clause must be clearly positive or negative (|VADER compound| at least
    `mixed_sentence_strength`, the option that says when a sentence is clearly one or
    the other) or carry a problem cue; one word VADER's lexicon likes ("promised",
    "help", "support") is not enough to overrule the text's sentiment."""
    code = language_code(language)
    if code == BASE_LANGUAGE:
        # one sentence per clause, so VADER scores each clause on its own
        text = ". ".join(" ".join(tokens) for tokens in parts)
        evidence = rules.evidence_of(text, analyzer, label_only=True)
        strongest = max((abs(c) for c in evidence.compounds), default=0.0)
        if evidence.problems or strongest >= options.mixed_sentence_strength:
            return rules.label_of(evidence, options)
        return "neutral"
    return languages.sentiment_of([t for tokens in parts for t in tokens], code).label


def category_sentiments(
    sentences: Sentences,
    found: Found,
    main: str,
    secondary: Sequence[str],
    overall: str,
    language: str | None,
    options: OfflineOptions,
    analyzer: SentimentIntensityAnalyzer,
) -> list[CategorySentiment]:
    """One entry per category of the answer (main first): its own sentiment."""
    categories = [main, *secondary]
    if not secondary:
        return [CategorySentiment(category=main, sentiment=overall)]
    bounds = clause_bounds(sentences)
    held = clauses_by_category(sentences, bounds, found, categories)
    starts, ends = bounds
    scored: dict[tuple[int, ...], str] = {tuple(range(len(starts))): overall}
    out = []
    for category in categories:
        clauses = held.get(category)
        if clauses is None:
            sentiment = overall
        else:
            if clauses not in scored:
                parts = [sentences.tokens[starts[k] : ends[k]] for k in clauses]
                own = _sentiment_of(parts, language, options, analyzer)
                # clauses with no sentiment of their own ("Slow shipping." before "Really
                # disappointed.") take the text's: only an expressed one overrides it
                scored[clauses] = overall if own == "neutral" else own
            sentiment = scored[clauses]
        out.append(CategorySentiment(category=category, sentiment=sentiment))
    return out
