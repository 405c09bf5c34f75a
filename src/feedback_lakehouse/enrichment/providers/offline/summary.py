"""The offline provider's `short_summary` and `root_cause_guess`: the sentence and the
phrase of the text that carry the evidence for its labels.

The summary is the sentence of the main category's most specific match; when the main
category matched nothing (`unknown`, a learned label), the sentence with the most
evidence: other categories' phrases, sentiment words (VADER's lexicon), negations. A
sentence of greetings and filler only ("Hi.", "Well.", "Thanks, Anna") never wins over
one with content; a very short winner ("Slow shipping.") takes the next sentence with
content along (the previous one when it is last). It is cut at a word boundary to
`summary_chars`, with an ellipsis, keeping the matched phrase in view.

The root cause is the main category's most specific matched phrase widened to the
content words around it in its sentence ("broke" -> "zipper broke", "never arrived" ->
"parcel never arrived"), in the text's own spelling. It is never a category name: a
match that is a category's name ("customer service", "packaging") is skipped and the
widening stops at the name's words. Null when nothing of the main category matched, for
`unknown` and for the positive-only categories (praise has no cause to fix).

Sentences split at whitespace, so their tokens, concatenated, are exactly the text's
tokens (`lexicon.tokens_of`) that the taxonomy matcher sees.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import islice, repeat
from typing import NamedTuple

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
# a sentence ends at the space after . ! ? … and at a line break; two patterns, the
# second only on texts with a line break: one pattern with both alternatives tries
# `\s*\n` at every position and took twice as long
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_LINE_BREAK = re.compile(r"\s*\n\s*")
# `lexicon.tokens_of`'s tokens (apostrophes dropped, then runs of letters and digits),
# and the sentence mark (test_offline_summary checks they give tokens_of's tokens)
_MARK = "\x01"
_APOSTROPHES = re.compile(r"['’`´]")
_TOKEN_OR_MARK = re.compile(r"[^\W_]+|\x01")
# the tokens of `tokens_of` with their character spans: apostrophes join a word's parts
_TOKEN_SPAN = re.compile(r"[^\W_]+(?:['’`´]+[^\W_]+)*")
_ELLIPSIS = "…"
_NOISE = STOPWORDS | FILLER

Found = Sequence[tuple[int, str, list[Keyword]]]  # what `PhraseMatcher.find` returns
# a match of the taxonomy matcher, one per category: (first token, the matched tokens
# joined by spaces, category id, weight); plain tuples, built for every text
Match = tuple[int, str, str, float]
_content_keys: dict[str, bool] = {}


class Sentences(NamedTuple):
    """A text cut into sentences: sentence k is `raws[k]` as written (blank when the
    text had nothing between two breaks) and its words are
    `tokens[firsts[k] : firsts[k + 1]]`; `tokens` is `tokens_of(text)`."""

    raws: list[str]
    firsts: list[int]
    tokens: list[str]

    def words(self, k: int) -> list[str]:
        end = self.firsts[k + 1] if k + 1 < len(self.firsts) else len(self.tokens)
        return self.tokens[self.firsts[k] : end]

    def text(self, k: int) -> str:
        """Sentence k, whitespace-normalised."""
        return " ".join(self.raws[k].split())

    def of_token(self, index: int) -> int:
        """The sentence holding token `index`."""
        return bisect_right(self.firsts, index) - 1


def sentences_of(text: str) -> Sentences:
    """The text's sentences and tokens, in one pass over the text: the breaks become a
    mark the tokenizer returns as a token (tokenising sentence by sentence, and
    objects per sentence, cost the provider a fifth of its time)."""
    text = text.replace(_MARK, " ")  # a control character, never part of a token
    marked = _LINE_BREAK.sub(_MARK, text) if "\n" in text else text
    marked = _SENTENCE_END.sub(_MARK, marked)
    if _MARK not in marked:
        return Sentences([text], [0], tokens_of(text))
    found = _TOKEN_OR_MARK.findall(_APOSTROPHES.sub("", marked.lower()))
    firsts, at = [0], -1
    for k in range(marked.count(_MARK)):
        at = found.index(_MARK, at + 1)
        firsts.append(at - k)  # tokens before the mark: its index less the marks before
    tokens = " ".join(found).replace(_MARK, " ").split()
    return Sentences(marked.split(_MARK), firsts, tokens)


def matches_of(found: Found) -> list[Match]:
    """The taxonomy matcher's matches, one per category, without those made of
    greetings and filler only ("thanks" is no evidence of anything)."""
    out: list[Match] = []
    for start, key, entries in found:
        content = _content_keys.get(key)
        if content is None:
            if len(_content_keys) >= 100_000:
                _content_keys.clear()
            content = _content_keys[key] = not _NOISE.issuperset(key.split(" "))
        if content:
            out += [(start, key, entry.category_id, entry.weight) for entry in entries]
    return out


_feelings_cache: dict[int, tuple[Mapping[str, float], dict[str, float]]] = {}


def _feelings(lexicon: Mapping[str, float]) -> dict[str, float]:
    """LEXICON_SCALE x |valence| of the lexicon's content words; per lexicon, kept."""
    kept = _feelings_cache.get(id(lexicon))
    if kept is None or kept[0] is not lexicon:
        if len(_feelings_cache) >= 64:
            _feelings_cache.clear()
        table = {w: LEXICON_SCALE * abs(v) for w, v in lexicon.items() if w not in _NOISE}
        kept = _feelings_cache[id(lexicon)] = (lexicon, table)
    return kept[1]


def _sentence_scores(
    sentences: Sentences,
    matches: Sequence[Match],
    main: str,
    secondary: Sequence[str],
    lexicon: Mapping[str, float],
    problem: bool = True,
) -> list[float]:
    """Per sentence, its evidence; -1 for a sentence of stopwords and filler only. A
    negation is a problem cue unless the label is not a problem (`problem`, praise)."""
    firsts, tokens = sentences.firsts, sentences.tokens
    evidence = [0.0] * len(firsts)
    for start, _key, category_id, weight in matches:
        if category_id == main:
            weight *= MAIN_WEIGHT
        else:
            weight *= SECONDARY_WEIGHT if category_id in secondary else OTHER_WEIGHT
        evidence[bisect_right(firsts, start) - 1] += weight
    feelings = list(map(_feelings(lexicon).get, tokens, repeat(0.0)))
    ends = [*firsts[1:], len(tokens)]
    scores: list[float] = []
    for found, first, end in zip(evidence, firsts, ends, strict=True):
        words = tokens[first:end]
        if _NOISE.issuperset(words):  # also a sentence without words
            scores.append(-1.0)
            continue
        feeling = min(LEXICON_CAP, sum(feelings[first:end]))
        negated = NEGATION_BONUS if problem and not NEGATIONS.isdisjoint(words) else 0.0
        scores.append(found + feeling + negated)
    return scores


def _spans(text: str, words: Sequence[str], upto: int) -> list[tuple[int, int]] | None:
    """Character spans in `text` (a sentence, normalised) of its first `upto` tokens;
    None if they do not line up with its `words`."""
    upto = min(upto, len(words))
    found = list(islice(_TOKEN_SPAN.finditer(text), upto))
    if len(found) < upto or (
        upto and _APOSTROPHES.sub("", found[-1].group().lower()) != words[upto - 1]
    ):
        return None
    return [m.span() for m in found]


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


def _focus(
    sentences: Sentences, k: int, matches: Sequence[Match], main: str
) -> tuple[int, int] | None:
    """The character span, in sentence k's normalised text, of its first main-category
    match."""
    for start, key, category_id, _weight in matches:
        if category_id == main and sentences.of_token(start) == k:
            local = start - sentences.firsts[k]
            spans = _spans(sentences.text(k), sentences.words(k), local + key.count(" ") + 1)
            return None if spans is None else (spans[local][0], spans[-1][1])
    return None


def _story(sentences: Sentences, best: int, max_chars: int) -> tuple[str, int]:
    """(text, where the chosen sentence starts in it): the chosen sentence, and while
    it has fewer than SHORT_WORDS words ("Faulty.", "Slow shipping.") the sentences
    with content after it (filler skipped), or before it when it is the last one
    ("Exceeded my expectations. Highly recommend.")."""
    parts = [sentences.text(best)]
    words = len(sentences.words(best))
    count = len(sentences.firsts)
    after = [i for i in range(best + 1, count) if not _NOISE.issuperset(sentences.words(i))]
    before = [i for i in range(best - 1, -1, -1) if not _NOISE.issuperset(sentences.words(i))]
    offset = 0
    for index in after or before:
        if words >= SHORT_WORDS or sum(map(len, parts)) + len(parts) > max_chars:
            break
        words += len(sentences.words(index))
        if index > best:
            parts.append(sentences.text(index))
        else:
            parts.insert(0, sentences.text(index))
            offset += len(parts[0]) + 1
    return " ".join(parts), offset


def summary_of(
    sentences: Sentences,
    matches: Sequence[Match],
    main: str,
    secondary: Sequence[str],
    lexicon: Mapping[str, float],
    max_chars: int,
    anchor: int | None = None,
    problem: bool = True,
) -> str:
    """The sentence holding token `anchor` (the main category's most specific match),
    else the one with the most evidence (the first on ties), cut to `max_chars`."""
    if len(sentences.firsts) == 1:
        text, best, offset = sentences.text(0), 0, 0
    else:
        if anchor is not None:
            best = sentences.of_token(anchor)
        else:
            scores = _sentence_scores(sentences, matches, main, secondary, lexicon, problem)
            best = scores.index(max(scores))  # the first of the best
            if scores[best] < 0:  # greetings and filler only: all of it
                return _cut(" ".join(" ".join(sentences.raws).split()), None, max_chars)
        if len(sentences.words(best)) >= SHORT_WORDS:
            text, offset = sentences.text(best), 0
        else:
            text, offset = _story(sentences, best, max_chars)
    if len(text) <= max_chars:
        return text
    focus = _focus(sentences, best, matches, main)
    if focus is not None:
        focus = (focus[0] + offset, focus[1] + offset)
    return _cut(text, focus, max_chars)


_names_cache: dict[tuple[int, str], tuple[Taxonomy, frozenset[str], tuple[str, ...]]] = {}


def _name_words(taxonomy: Taxonomy, category: Category) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words a root cause does not widen into (the category's name and one-word
    names), and every category name's tokens as " a b " (for `_names_in`); per
    taxonomy and category, kept."""
    key = (id(taxonomy), category.category_id)
    kept = _names_cache.get(key)
    if kept is None or kept[0] is not taxonomy:
        names = [tokens_of(c.category_name) for c in taxonomy.categories.values()]
        stops = {w for w in tokens_of(category.category_name) if w not in STOPWORDS}
        stops |= {name[0] for name in names if len(name) == 1}
        if len(_names_cache) >= 256:
            _names_cache.clear()
        padded = tuple(f" {' '.join(name)} " for name in names if name)
        kept = _names_cache[key] = (taxonomy, frozenset(stops), padded)
    return kept[1], kept[2]


def _names_in(words: Sequence[str], names: tuple[str, ...]) -> bool:
    """Some category name is a run of whole `words`."""
    joined = f" {' '.join(words)} "
    return any(name in joined for name in names)


def _joined(text: str, spans: Sequence[tuple[int, int]], i: int) -> bool:
    """Tokens i and i + 1 are in one phrase: only spaces or a hyphen between them."""
    return text[spans[i][1] : spans[i + 1][0]].strip(" -") == ""


def _widen(
    text: str, words: Sequence[str], local: int, size: int, stops: frozenset[str]
) -> tuple[str, Sequence[str]] | None:
    """(phrase, its words): the match at token `local` of a sentence (`text`, its
    `words`) with up to WIDEN content words on each side (a negation may lead; a
    determiner may open the words after it: "would love a tablet version"), in the
    sentence's spelling."""
    spans = _spans(text, words, local + size + WIDEN + 2)
    if spans is None:
        return None
    lo, hi = local, min(local + size, len(spans)) - 1

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
    while hi + 1 < len(spans) and added < WIDEN and _joined(text, spans, hi):
        step = 1
        if added == 0 and words[hi + 1] in _DETERMINERS and hi + 2 < len(spans):
            step = 2 if _joined(text, spans, hi + 1) else 0
        if step == 0 or not content(hi + step):
            break
        hi, added = hi + step, added + 1
    while lo < hi and words[lo] in _DETERMINERS:  # "the app" -> "app"
        lo += 1
    return text[spans[lo][0] : spans[hi][1]], words[lo : hi + 1]


_key_words: dict[str, tuple[list[str], int]] = {}


def _specific(match: Match, stops: frozenset[str]) -> tuple[bool, int, float]:
    """Sort key, most specific first: not only the category name's words, more content
    words ("keeps crashing" before "the app"), heavier."""
    kept = _key_words.get(match[1])
    if kept is None:
        if len(_key_words) >= 100_000:
            _key_words.clear()
        words = match[1].split(" ")
        kept = _key_words[match[1]] = (words, sum(w not in _NOISE for w in words))
    return stops.issuperset(kept[0]), -kept[1], -match[3]


def root_cause_of(
    sentences: Sentences,
    matches: Sequence[Match],
    category: Category | None,
    taxonomy: Taxonomy,
    positive_only: Sequence[str],
) -> tuple[str | None, int | None]:
    """(phrase, anchor): the main category's most specific matched phrase, widened,
    and the first token of its most specific match (the summary's sentence). Matches
    of the name's own words come last; never a category name; the phrase is None when
    there is none and for positive-only categories, the anchor when nothing matched."""
    if category is None:
        return None, None
    own = [m for m in matches if m[2] == category.category_id]
    if not own:
        return None, None
    stops, names = _name_words(taxonomy, category)
    if len(own) > 1:
        own.sort(key=lambda m: _specific(m, stops))
    if category.category_id in positive_only:
        return None, own[0][0]
    for start, key, _category_id, _weight in own:
        words = key.split(" ")
        if _names_in(words, names):
            continue  # the match is a category's name: no cause in it
        k = sentences.of_token(start)
        local = start - sentences.firsts[k]
        widened = _widen(sentences.text(k), sentences.words(k), local, len(words), stops)
        if widened is not None and not _names_in(widened[1], names):
            return widened[0], start
    return None, own[0][0]


def summarize(
    sentences: Sentences,
    found: Found,
    main: str,
    secondary: Sequence[str],
    taxonomy: Taxonomy,
    analyzer: SentimentIntensityAnalyzer | None,
    options: OfflineOptions,
) -> tuple[str, str | None]:
    """(short summary, root cause) of one text labelled `main`; `found`: the taxonomy
    matcher's matches on `sentences.tokens`; `analyzer`: VADER, for its lexicon."""
    lexicon: Mapping[str, float] = analyzer.lexicon if analyzer is not None else {}
    matches = matches_of(found)
    category = taxonomy.categories.get(main)
    positive_only = options.positive_only_categories
    cause, anchor = root_cause_of(sentences, matches, category, taxonomy, positive_only)
    chars = options.summary_chars
    problem = main not in positive_only
    summary = summary_of(sentences, matches, main, secondary, lexicon, chars, anchor, problem)
    return summary, cause
