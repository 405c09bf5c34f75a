"""Language detection for feedback texts (lingua, restricted to the shop's languages).

`detect_languages` returns ISO 639-1 codes ('en', 'de', ...) or None when a text is
empty or too short to tell. The detector is built once per process and reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import islice

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED_LANGUAGES: tuple[Language, ...] = (
    Language.ENGLISH,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
)

# Fewer letters than this and there is nothing to tell a language from ("ok", "?!", "5").
MIN_LETTERS = 3
# Texts with fewer words than this count as "short" (see detect_languages).
SHORT_TEXT_WORDS = 4
# A short text is only labelled non-English when lingua is at least this confident.
SHORT_TEXT_MIN_CONFIDENCE = 0.95

# Words of English that are not words of the other supported languages ("had" and
# "was" are Dutch and German too, "in" several). See `looks_english`.
ENGLISH_MARKERS = frozenset(
    (
        "the",
        "and",
        "this",
        "my",
        "with",
        "but",
        "have",
        "very",
        "not",
        "are",
        "for",
        "you",
        "your",
        "they",
        "would",
        "after",
        "just",
        "been",
        "when",
        "what",
        "there",
        "from",
        "which",
        "were",
        "has",
        "could",
        "should",
        "our",
        "their",
        "it's",
        "don't",
        "didn't",
        "can't",
        "i'm",
        "i've",
    )
)
# a sentence of this many words or more must show a marker for the text to pass
MARKER_SENTENCE_WORDS = 4
# The fast detector reads a longer text's first this many characters (cut back to a
# whole word): its cost grows with the text's length. At 80 it agreed with the whole
# text on every text of a seed-7 sample (71k) and of real half A (18k); at 60 it did
# not (2 mixed-language texts). scripts/measure_language_prefix.py, docs/benchmarks.md.
DETECT_PREFIX_CHARS: int | None = 80

_LETTER = re.compile(r"[^\W\d_]")
_ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CLAUSE = re.compile(r"[.!?;\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@lru_cache(maxsize=1)
def get_detector() -> LanguageDetector:
    """The fast process-wide detector (trigram models only, "low accuracy mode"): it
    loads in a fraction of a second and labels ~35k short texts/s."""
    return (
        LanguageDetectorBuilder.from_languages(*SUPPORTED_LANGUAGES)
        .with_low_accuracy_mode()
        .build()
    )


@lru_cache(maxsize=1)
def get_accurate_detector() -> LanguageDetector:
    """The slower, more accurate detector (1- to 5-gram models), built on first use. It
    only re-checks texts the fast detector did not call English: on English support
    queries (banking77) the fast one calls ~3% non-English, this one ~0.3%."""
    return LanguageDetectorBuilder.from_languages(*SUPPORTED_LANGUAGES).build()


def _iso(language: Language | None) -> str | None:
    return language.iso_code_639_1.name.lower() if language is not None else None


def _letter_count(text: str, limit: int) -> int:
    """Letters in `text`, counting no further than `limit`."""
    return sum(1 for _ in islice(_LETTER.finditer(text), limit))


def detect_languages(
    texts: Sequence[str | None],
    map_fast: Callable[[Callable[[list[str]], list[tuple[str | None, bool]]], list[str]], list]
    | None = None,
) -> list[str | None]:
    """ISO 639-1 code per text, in order; None for empty or too-short-to-tell texts.

    Short texts (fewer than SHORT_TEXT_WORDS words, e.g. "Love it", "Poor fit",
    "Works fine") share most of their letter trigrams with several of the supported
    languages, and lingua's guess on them is close to a coin toss: "Poor fit" comes out
    Dutch, "Perfect" Spanish, "Terrible" French. Customer feedback here is mostly
    English and a wrong non-English label sends a text away from the English lexicon
    (the offline provider then refuses it), so for short texts a non-English label is
    kept only when lingua is highly confident ("Sehr gut", "Merci beaucoup" score ~1.0)
    and the text is labelled 'en' otherwise.

    `map_fast(func, candidates)` runs the fast pass (`fast_pass`, nearly all the work)
    on the candidate texts, e.g. spread over processes (`parallel.map_chunks`); the few
    longer texts it did not call English are re-checked here with the accurate detector
    (loading its models takes ~1 s, paid by this process only).
    """
    results: list[str | None] = [None] * len(texts)
    indexes: list[int] = []
    candidates: list[str] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        if _letter_count(text, MIN_LETTERS) < MIN_LETTERS:
            continue
        indexes.append(i)
        candidates.append(text)
    if not candidates:
        return results

    fast = map_fast(fast_pass, candidates) if map_fast else fast_pass(candidates)
    longer: list[int] = []
    for pos, (code, recheck) in enumerate(fast):
        results[indexes[pos]] = code
        if recheck:
            longer.append(pos)
    if longer:
        rechecked = get_accurate_detector().detect_languages_in_parallel_of(
            [candidates[pos] for pos in longer]
        )
        for pos, language in zip(longer, rechecked, strict=True):
            results[indexes[pos]] = _iso(language)
    return results


def looks_english(text: str) -> bool:
    """True when a text is plainly English without asking lingua: ASCII only, at least
    two distinct ENGLISH_MARKERS, and every sentence of MARKER_SENTENCE_WORDS+ words
    has one (so "Compliment for your team. Tolles Produkt, schnelle Lieferung." does
    not pass: its German sentence goes to lingua with the rest of the text).

    It spares lingua most of an English-speaking shop's texts (62% of a generated
    sample, 72% of the clothing reviews, 60% of banking77). Checked against lingua on
    68k generated texts and 36k real ones (clothing reviews, banking77): it never
    called English a text lingua called something else, except "I can't find my
    password", which lingua calls Italian.
    """
    if not text.isascii():
        return False
    lowered = text.lower()
    if len(ENGLISH_MARKERS.intersection(_ASCII_WORD.findall(lowered))) < 2:
        return False
    for clause in _CLAUSE.split(lowered):
        words = _ASCII_WORD.findall(clause)
        if len(words) >= MARKER_SENTENCE_WORDS and ENGLISH_MARKERS.isdisjoint(words):
            return False
    return True


def detection_prefix(text: str, limit: int | None = None) -> str:
    """The part of `text` the fast detector reads: its first `limit` characters
    (default DETECT_PREFIX_CHARS; None = all), cut back to the last whole word."""
    limit = DETECT_PREFIX_CHARS if limit is None else limit
    if limit is None or len(text) <= limit:
        return text
    head = text[:limit]
    if not text[limit].isspace():
        whole, space, _ = head.rpartition(" ")
        head = whole if space and whole.strip() else head
    return head


def fast_pass(candidates: list[str]) -> list[tuple[str | None, bool]]:
    """(code, needs the accurate re-check) per text, with the fast detector only: plain
    English (`looks_english`) is 'en' without lingua, the others are guessed from their
    `detection_prefix`; short non-English guesses are
    kept only when confident (else 'en'); longer non-English ones are flagged for
    `detect_languages` to re-check."""
    detector = get_detector()
    english = [looks_english(text) for text in candidates]
    others = [text for text, plain in zip(candidates, english, strict=True) if not plain]
    guesses = iter(
        detector.detect_languages_in_parallel_of([detection_prefix(text) for text in others])
    )
    detected = [None if plain else next(guesses) for plain in english]
    out: list[tuple[str | None, bool]] = []
    short: list[int] = []
    for pos, (text, language) in enumerate(zip(candidates, detected, strict=True)):
        if english[pos]:
            out.append(("en", False))
            continue
        code = _iso(language)
        is_short = code != "en" and len(_WORD.findall(text)) < SHORT_TEXT_WORDS
        if is_short:
            short.append(pos)
        out.append((code, code != "en" and not is_short))
    if short:
        confidences = detector.compute_language_confidence_values_in_parallel(
            [candidates[pos] for pos in short]
        )
        for pos, values in zip(short, confidences, strict=True):
            top = values[0] if values else None
            if top is not None and top.value >= SHORT_TEXT_MIN_CONFIDENCE:
                out[pos] = (_iso(top.language), False)
            else:
                out[pos] = ("en", False)
    return out
