"""The offline provider's `short_summary` and `root_cause_guess`: the sentence and the
phrase of the text that carry the evidence for its labels.

The summary is the sentence where the evidence is: the main category's matched phrases
count most, then the other categories' phrases, then sentiment words (VADER's lexicon)
and negations. A sentence of greetings and filler only ("Hi.", "Well.", "Thanks, Anna")
never wins over one with content; a very short winner ("Slow shipping.") takes the next
sentence along when both fit. It is cut at a word boundary to `summary_chars`, with an
ellipsis, keeping the matched phrase in view.

The root cause is the main category's most specific matched phrase widened to the
content words around it in its sentence ("broke" -> "zipper broke", "never arrived" ->
"parcel never arrived"), in the text's own spelling. It is never a category name: a
match that is the category's name ("customer service", "packaging") is skipped and the
widening stops at the name's words. Null when nothing of the main category matched, for
`unknown` and for the positive-only categories (praise has no cause to fix).

Sentences split at whitespace, so their tokens, concatenated, are exactly the text's
tokens (`lexicon.tokens_of`) that the taxonomy matcher saw.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.providers.offline.matcher import STOPWORDS, Keyword
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.taxonomy import Category, Taxonomy

# words that carry no content of their own in feedback: greetings, sign-offs, fillers
_FILLER_TEXT = """hi hello hey hiya dear team there everyone folks guys sir madam well hmm hm
    um uh er erm ok okay oh ah ugh meh wow yeah yep yes nope no so anyway update note fyi
    ps thanks thank thx cheers regards best kind warm sincerely morning afternoon evening
    greetings"""
FILLER = frozenset(_FILLER_TEXT.split())
_NEGATION_TEXT = """not no never nothing nobody dont didnt doesnt isnt wasnt arent werent
    wont cant cannot couldnt wouldnt hasnt havent hadnt"""
NEGATIONS = frozenset(_NEGATION_TEXT.split())
# how much a matched phrase counts for its sentence: the main category's, a secondary
# category's, any other category's; sentiment words add at most LEXICON_CAP
MAIN_WEIGHT, SECONDARY_WEIGHT, OTHER_WEIGHT = 3.0, 1.5, 0.5
LEXICON_SCALE, LEXICON_CAP, NEGATION_BONUS = 0.25, 2.0, 0.5
SHORT_WORDS = 4  # a winner with fewer words takes the next sentence along
WIDEN = 2  # content words added on each side of a matched phrase

# words a root cause does not widen over: function words, prepositions and adverbs
_NOT_WIDENED_TEXT = """across through around over under down up out off again away back
    even still already always ever later now soon once twice times day days week weeks
    month months year years first last next other another same such quite rather pretty
    super totally completely definitely absolutely literally actually"""
_NOT_WIDENED = STOPWORDS | frozenset(_NOT_WIDENED_TEXT.split())
_DETERMINER_TEXT = "a an the my our your his her their this that these those some"
_DETERMINERS = frozenset(_DETERMINER_TEXT.split())
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
# the tokens of `tokens_of` with their character spans: apostrophes join a word's parts
_TOKEN_SPAN = re.compile(r"[^\W_]+(?:['’`´]+[^\W_]+)*")
_ELLIPSIS = "…"


_NOISE = STOPWORDS | FILLER
Found = Sequence[tuple[int, str, list[Keyword]]]  # what `PhraseMatcher.find` returns


@dataclass(frozen=True, slots=True)
class Sentence:
    raw: str  # as written, stripped
    first: int  # index of its first token among the text's tokens
    words: list[str]  # its tokens (`tokens_of`)

    @property
    def text(self) -> str:
        """Whitespace-normalised."""
        return " ".join(self.raw.split())


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # token index in the text
    key: str  # the matched tokens, space-separated
    category_id: str
    keyword: str
    weight: float
    content: bool  # a word beyond greetings and filler ("thanks" alone is none)


def sentences_of(text: str) -> list[Sentence]:
    """The text's non-empty sentences with their tokens."""
    out: list[Sentence] = []
    first = 0
    for part in _SENTENCE_BREAK.split(text):
        part = part.strip()
        if part:
            words = tokens_of(part)
            out.append(Sentence(part, first, words))
            first += len(words)
    return out


def matches_of(found: Found) -> list[Match]:
    """The taxonomy matcher's matches on the text's tokens, one per category."""
    out: list[Match] = []
    for start, key, entries in found:
        words = key.split(" ")
        content = not _NOISE.issuperset(words)
        for entry in entries:
            out.append(Match(start, key, entry.category_id, entry.keyword, entry.weight, content))
    return out


def _sentence_scores(
    sentences: Sequence[Sentence],
    matches: Sequence[Match],
    main: str,
    secondary: Sequence[str],
    lexicon: Mapping[str, float],
    problem: bool = True,
) -> list[float]:
    """Per sentence, its evidence; -1 for a sentence of stopwords and filler only. A
    negation is a problem cue unless the label is not a problem (`problem`, praise)."""
    firsts = [s.first for s in sentences]
    evidence = [0.0] * len(sentences)
    for match in matches:
        if not match.content:
            continue
        index = bisect_right(firsts, match.start) - 1
        if match.category_id == main:
            evidence[index] += MAIN_WEIGHT * match.weight
        elif match.category_id in secondary:
            evidence[index] += SECONDARY_WEIGHT * match.weight
        else:
            evidence[index] += OTHER_WEIGHT * match.weight
    scores: list[float] = []
    for sentence, found in zip(sentences, evidence, strict=True):
        content = [w for w in sentence.words if w not in _NOISE]
        if not content:
            scores.append(-1.0)
            continue
        feeling = LEXICON_SCALE * sum(abs(lexicon[w]) for w in content if w in lexicon)
        negated = problem and not NEGATIONS.isdisjoint(sentence.words)
        scores.append(found + min(LEXICON_CAP, feeling) + (NEGATION_BONUS if negated else 0.0))
    return scores


def _spans(text: str, sentence: Sentence) -> list[tuple[int, int]] | None:
    """Character spans of the sentence's tokens in `text` (its normalised text); None
    if they do not line up."""
    spans = [m.span() for m in _TOKEN_SPAN.finditer(text)]
    return spans if len(spans) == len(sentence.words) else None


def _cut(text: str, focus: tuple[int, int] | None, max_chars: int) -> str:
    """`text` in at most `max_chars` characters, cut at word boundaries with an
    ellipsis; when `focus` (a character span) would fall past the cut, the window
    starts shortly before it."""
    if len(text) <= max_chars:
        return text
    start = 0
    if focus is not None and focus[1] > max_chars - 1:
        start = max(0, min(focus[0] - max_chars // 4, len(text) - max_chars + 1))
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < focus[0] else start
    prefix = _ELLIPSIS if start > 0 else ""
    room = max_chars - len(prefix) - 1
    rest = text[start:]
    if len(prefix) + len(rest) <= max_chars:
        return prefix + rest
    head = rest[: room + 1]
    head = head.rsplit(" ", 1)[0] if " " in head else rest[:room]
    return prefix + head.rstrip(" ,;:-") + _ELLIPSIS


def _focus(sentence: Sentence, matches: Sequence[Match], main: str) -> tuple[int, int] | None:
    """The character span (in its normalised text) of the sentence's first
    main-category match."""
    end = sentence.first + len(sentence.words)
    for match in matches:
        if match.category_id == main and sentence.first <= match.start < end:
            spans = _spans(sentence.text, sentence)
            if spans is None:
                return None
            local = match.start - sentence.first
            last = min(local + match.key.count(" ") + 1, len(spans)) - 1
            return spans[local][0], spans[last][1]
    return None


def _story(
    sentences: Sequence[Sentence], scores: Sequence[float], best: int, max_chars: int
) -> str:
    """The chosen sentence, and while it has fewer than SHORT_WORDS words ("Faulty.",
    "Slow shipping.") the next sentences with content after it (filler skipped)."""
    parts = [sentences[best].text]
    words = len(sentences[best].words)
    for index in range(best + 1, len(sentences)):
        if words >= SHORT_WORDS or sum(map(len, parts)) + len(parts) > max_chars:
            break
        if scores[index] >= 0:
            parts.append(sentences[index].text)
            words += len(sentences[index].words)
    return " ".join(parts)


def summary_of(
    sentences: Sequence[Sentence],
    matches: Sequence[Match],
    main: str,
    secondary: Sequence[str],
    lexicon: Mapping[str, float],
    max_chars: int,
    anchor: int | None = None,
    problem: bool = True,
) -> str:
    """The sentence with the most evidence (the first on ties; the one holding token
    `anchor`, the root cause's match, counts it once more), cut to `max_chars`."""
    if not sentences:
        return ""
    if len(sentences) == 1:
        return _cut(sentences[0].text, _focus(sentences[0], matches, main), max_chars)
    scores = _sentence_scores(sentences, matches, main, secondary, lexicon, problem)
    if anchor is not None:
        scores[bisect_right([s.first for s in sentences], anchor) - 1] += MAIN_WEIGHT
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if scores[best] < 0:  # greetings and filler only: all of it
        return _cut(" ".join(s.text for s in sentences), None, max_chars)
    text = _story(sentences, scores, best, max_chars)
    return _cut(text, _focus(sentences[best], matches, main), max_chars)


_names_cache: dict[tuple[str, tuple[str, ...]], tuple[frozenset[str], tuple[str, ...]]] = {}


def _name_words(taxonomy: Taxonomy, category: Category) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words a root cause does not widen into (the category's name and one-word
    names), and every category name's tokens as " a b " (for `_names_in`); per
    taxonomy, kept."""
    all_names = tuple(sorted(c.category_name for c in taxonomy.categories.values()))
    key = (category.category_name, all_names)
    found = _names_cache.get(key)
    if found is None:
        names = [tokens_of(name) for name in all_names]
        stops = {w for w in tokens_of(category.category_name) if w not in STOPWORDS}
        stops |= {name[0] for name in names if len(name) == 1}
        if len(_names_cache) >= 256:
            _names_cache.clear()
        padded = tuple(f" {' '.join(name)} " for name in names if name)
        found = _names_cache[key] = (frozenset(stops), padded)
    return found


def _names_in(words: Sequence[str], names: tuple[str, ...]) -> bool:
    """Some category name is a run of whole `words`."""
    joined = f" {' '.join(words)} "
    return any(name in joined for name in names)


def _joined(text: str, spans: Sequence[tuple[int, int]], i: int) -> bool:
    """Tokens i and i + 1 are in one phrase: only spaces or a hyphen between them."""
    return text[spans[i][1] : spans[i + 1][0]].strip(" -") == ""


def _widen(sentence: Sentence, local: int, size: int, stops: frozenset[str]) -> str | None:
    """The match at token `local` of the sentence with up to WIDEN content words on
    each side (a negation may lead; a determiner may open the words after it: "would
    love a tablet version"), in the sentence's spelling."""
    text, words = sentence.text, sentence.words
    spans = _spans(text, sentence)
    if spans is None:
        return None
    lo, hi = local, min(local + size, len(words)) - 1

    def content(i: int) -> bool:
        return not (words[i] in stops or words[i] in FILLER or words[i] in _NOT_WIDENED)

    added = 0
    while lo > 0 and added < WIDEN and _joined(text, spans, lo - 1):
        if words[lo - 1] in NEGATIONS:
            lo -= 1
            break
        if not content(lo - 1):
            break
        lo, added = lo - 1, added + 1
    added = 0
    while hi + 1 < len(words) and added < WIDEN and _joined(text, spans, hi):
        step = 1
        if added == 0 and words[hi + 1] in _DETERMINERS and hi + 2 < len(words):
            step = 2 if _joined(text, spans, hi + 1) else 0
        if step == 0 or not content(hi + step):
            break
        hi, added = hi + step, added + 1
    return text[spans[lo][0] : spans[hi][1]]


def root_cause_of(
    sentences: Sequence[Sentence],
    matches: Sequence[Match],
    category: Category | None,
    taxonomy: Taxonomy,
    positive_only: Sequence[str],
) -> tuple[str | None, int | None]:
    """(phrase, its match's first token): the main category's most specific matched
    phrase, widened; matches of the name's own words last; never a category name;
    (None, None) when there is none."""
    if category is None or category.category_id in positive_only:
        return None, None
    own = [m for m in matches if m.category_id == category.category_id and m.content]
    if not own:
        return None, None
    stops, names = _name_words(taxonomy, category)
    firsts = [s.first for s in sentences]
    for match in sorted(own, key=lambda m: (stops.issuperset(m.key.split(" ")), -m.weight)):
        if _names_in(match.key.split(" "), names):
            continue  # the match is a category's name: no cause in it
        sentence = sentences[bisect_right(firsts, match.start) - 1]
        phrase = _widen(sentence, match.start - sentence.first, match.key.count(" ") + 1, stops)
        if phrase and not _names_in(tokens_of(phrase), names):
            return phrase, match.start
    return None, None


def summarize(
    sentences: Sequence[Sentence],
    found: Found,
    main: str,
    secondary: Sequence[str],
    taxonomy: Taxonomy,
    analyzer: SentimentIntensityAnalyzer | None,
    options: OfflineOptions,
) -> tuple[str, str | None]:
    """(short summary, root cause) of one text labelled `main`; `found`: the taxonomy
    matcher's matches on the sentences' tokens; `analyzer`: VADER, for its lexicon."""
    lexicon: Mapping[str, float] = analyzer.lexicon if analyzer is not None else {}
    matches = matches_of(found)
    category = taxonomy.categories.get(main)
    positive_only = options.positive_only_categories
    cause, anchor = root_cause_of(sentences, matches, category, taxonomy, positive_only)
    chars = options.summary_chars
    problem = main not in positive_only
    summary = summary_of(sentences, matches, main, secondary, lexicon, chars, anchor, problem)
    return summary, cause
