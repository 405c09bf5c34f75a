"""The offline provider's rules, one function per decision: category scores and the
rationale that shows the evidence (sentiment: `sentiment_rules.py`, urgency: `urgency.py`,
both re-exported here; summary and root cause: `summary.py`).

Pure functions of the text (or its tokens), the compiled taxonomy and `OfflineOptions`;
the provider (`provider.py`) strings them together per text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY
from feedback_lakehouse.enrichment.learner import Prediction
from feedback_lakehouse.enrichment.providers.offline.contrast import contrast_clause
from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.providers.offline.matcher import (
    INFLECTIONS,
    STOPWORDS,
    CompiledTaxonomy,
    Keyword,
    PhraseMatcher,
)
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    _SENTENCE_SPLIT as _SENTENCE_SPLIT,
)
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    SentimentEvidence as SentimentEvidence,
)
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    evidence_of as evidence_of,
)
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    intensity_of as intensity_of,
)
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import label_of as label_of
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    praise_score_of as praise_score_of,
)
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import score_of as score_of
from feedback_lakehouse.enrichment.providers.offline.sentiment_rules import (
    sentiment_of as sentiment_of,
)
from feedback_lakehouse.enrichment.providers.offline.urgency import pressed as pressed
from feedback_lakehouse.enrichment.providers.offline.urgency import urgency_of as urgency_of
from feedback_lakehouse.enrichment.taxonomy import BASE_LANGUAGE, Taxonomy

NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "cant",
        "cannot",
        "couldnt",
        "wouldnt",
        "hardly",
        "barely",
    }
)


@dataclass
class Scores:
    """Each category's score, the keywords that matched it and its best example overlap."""

    scores: dict[str, float]
    keywords: dict[str, list[Keyword]]
    example_overlap: dict[str, float]
    notes: list[str] = field(default_factory=list)  # the rules that moved the scores
    # the matcher's matches on the tokens (`PhraseMatcher.find`), kept with the scores:
    # the provider's summary reads them too
    found: Sequence[tuple[int, str, list[Keyword]]] = ()


@dataclass
class Choice:
    """The category decision: main and secondary categories, confidence, the ranking."""

    main: str
    secondary: list[str]
    confidence: float
    ranked: list[tuple[str, float]]
    best_id: str
    best: float


def _keyword_scores(
    tokens: Sequence[str],
    compiled: CompiledTaxonomy,
    options: OfflineOptions,
    found: Sequence[tuple[int, str, list[Keyword]]] | None = None,
) -> tuple[dict[str, float], dict[str, list[Keyword]]]:
    scores: dict[str, float] = {}
    matched: dict[str, list[Keyword]] = {}
    seen: set[tuple[str, str]] = set()
    for start, _key, entries in compiled.matcher.find(tokens) if found is None else found:
        negated_here = start > 0 and tokens[start - 1] in NEGATIONS
        for entry in entries:
            # "not great", "no love": a negated keyword of a positive-only category
            # (praise) is no evidence for it
            if negated_here and entry.category_id in options.positive_only_categories:
                continue
            if (entry.category_id, entry.keyword) in seen:
                continue
            seen.add((entry.category_id, entry.keyword))
            matched.setdefault(entry.category_id, []).append(entry)
            scores[entry.category_id] = scores.get(entry.category_id, 0.0) + entry.weight
    return scores, matched


def _example_overlap(
    tokens: Sequence[str], compiled: CompiledTaxonomy, options: OfflineOptions
) -> dict[str, float]:
    """Per category, the largest share of one example's content words found in the text."""
    overlap: dict[str, float] = {}
    content = {t for t in tokens if t not in STOPWORDS}
    shared: dict[tuple[str, int], int] = {}
    for token in content:
        for ref in compiled.example_index.get(token, ()):
            shared[ref] = shared.get(ref, 0) + 1
    for (category_id, idx), count in shared.items():
        if count < options.min_example_overlap:
            continue
        size = len(compiled.example_tokens[category_id][idx])
        ratio = count / size
        if ratio > overlap.get(category_id, 0.0):
            overlap[category_id] = ratio
    return overlap


@lru_cache(maxsize=8)
def _failure_forms(words: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The one-word failure words with their regular inflections ("glitch" ->
    "glitches"), and the failure phrases padded with spaces (" locked out ")."""
    inflect = INFLECTIONS[BASE_LANGUAGE]
    single: set[str] = set()
    for word in words:
        if " " not in word:
            single.add(word)
            if word.isalpha() and len(word) >= 3:
                single |= inflect(word)
    phrases = tuple(f" {w} " for w in words if " " in w)
    return frozenset(single), phrases


# "came apart", "came off": a thing that came apart did so in use, not in the post
_NOT_ARRIVAL = ("came apart", "came off", "came undone", "came loose", "came out", "came away")


@lru_cache(maxsize=8)
def _transit_matcher(
    damage: tuple[str, ...], transit: tuple[str, ...]
) -> tuple[PhraseMatcher, frozenset[str]]:
    """One matcher for damage words ("damage") and arrival or transit words
    ("transit"); and the tokens a damage word starts with (most texts have none)."""
    phrases: dict[str, str | None] = {phrase: None for phrase in _NOT_ARRIVAL}
    phrases.update({word: "transit" for word in transit})
    phrases.update({word: "damage" for word in damage})
    starts = frozenset(tokens_of(word)[0] for word in damage if tokens_of(word))
    return PhraseMatcher(phrases, inflect=False), starts


def _failing(
    matched: dict[str, list[Keyword]],
    found: Sequence[tuple[int, str, list[Keyword]]],
    options: OfflineOptions,
) -> dict[str, list[str]]:
    """Per category, the failure words in its keywords found in the text ("crashes")."""
    single, phrases = _failure_forms(options.failure_words)
    failing: dict[str, list[str]] = {}
    for _start, key, entries in found:
        if key in single:
            hit: str | None = key
        elif " " in key:
            words = key.split(" ")
            hit = next((w for w in words if w in single), None)
            if hit is None:
                padded = f" {key} "
                hit = next((p.strip() for p in phrases if p in padded), None)
        else:
            continue
        if hit is None:
            continue
        for entry in entries:
            if entry in matched.get(entry.category_id, ()):
                failing.setdefault(entry.category_id, []).append(hit)
    return failing


def _damage_in_transit(tokens: Sequence[str], options: OfflineOptions) -> tuple[str, str] | None:
    """(damage word, arrival word) when the text says the damage came with the delivery:
    a damage word at most `transit_window` tokens before or after an arrival or transit
    word ("arrived cracked", "chipped when they arrived", "bent in transit")."""
    matcher, starts = _transit_matcher(options.damage_words, options.transit_words)
    if starts.isdisjoint(tokens):
        return None
    found = matcher.find(tokens)
    damage = [(i, key) for i, key, kind in found if kind == "damage"]
    transit = [(i, key) for i, key, kind in found if kind == "transit"]
    for i, word in damage:
        for j, cue in transit:
            # tokens between the end of the first phrase and the start of the second
            gap = j - i - len(word.split(" ")) if j > i else i - j - len(cue.split(" "))
            if gap <= options.transit_window:
                return word, cue
    return None


def score(
    tokens: Sequence[str],
    sentiment: str,
    compiled: CompiledTaxonomy,
    options: OfflineOptions,
    found: Sequence[tuple[int, str, list[Keyword]]] | None = None,
) -> Scores:
    """Keyword weights plus weighted example overlap; positive-only categories damped
    unless the sentiment is positive. `found`: the matcher's matches on `tokens`, when
    the caller has them; the result carries them (`Scores.found`: the summary reads them).

    English problem reports, three rules of how they are written:
    - damage the text says came with the delivery (`_damage_in_transit`) adds
      `transit_weight` to `transit_category`, which then counts as failing;
    - a failure of a kind (a keyword holding one of `failure_words`: "crashes") names
      what went wrong; the categories with no failure in the text only name where
      ("when I log in"), so each is held to `place_ratio` of the best failing one's
      score: the failure's kind is the main category, the place secondary. A place's
      own failure ("can't log in", "payment failed") holds no failure word, so a text
      with only that keeps the place's category;
    - the clause after the last contrast word ("but", "however", `contrast.py`)
      decides a text's point: when it names another category and no praise, the
      positive-only categories are held to `contrast_ratio` of that category's score
      (at most secondary: "Love the lamp, but the shade has a hole").

    All but the damping and the place cap read the tokens alone, and are kept per text
    (`_matched_of`): a first build scores a text up to three times (the self-training's
    rule pass, twice when praise scored, then the provider), now matched once. The
    result's `keywords` and `example_overlap` may be shared: callers must not change
    them."""
    matched = _matched_of(tokens, compiled, options, found)
    scores = dict(matched.scores)
    if sentiment != "positive":
        for category_id in options.positive_only_categories:
            if category_id in scores:
                scores[category_id] *= options.positive_only_damping
    notes: list[str] = []
    if compiled.language != BASE_LANGUAGE:
        return Scores(
            scores=scores,
            keywords=matched.keywords,
            example_overlap=matched.overlap,
            found=matched.found,
        )
    _problem_report_rules(scores, notes, matched, options)
    return Scores(
        scores=scores,
        keywords=matched.keywords,
        example_overlap=matched.overlap,
        notes=notes,
        found=matched.found,
    )


def _problem_report_rules(
    scores: dict[str, float], notes: list[str], matched: _Matched, options: OfflineOptions
) -> None:
    """`score`'s English rules, in place: damage in transit, the place cap, then the
    contrast clause's."""
    failing = {category_id: list(words) for category_id, words in matched.failing.items()}
    transit = options.transit_category
    if matched.in_transit is not None:
        scores[transit] = scores.get(transit, 0.0) + options.transit_weight
        failing.setdefault(transit, []).append(matched.in_transit[0])
        notes.append(
            f"damaged in transit ({matched.in_transit[0]} ~ {matched.in_transit[1]}): {transit}"
        )
    if failing and options.place_ratio < 1:
        best = max(scores[c] for c in failing)
        cap = options.place_ratio * best
        held = [c for c, value in scores.items() if c not in failing and value > cap]
        for category_id in held:
            scores[category_id] = cap
        if held:
            kinds = ", ".join(f"{c} [{', '.join(failing[c])}]" for c in sorted(failing))
            notes.append(f"failure {kinds} over place {', '.join(sorted(held))}")
    if matched.contrast is not None and options.contrast_ratio < 1:
        word, named = matched.contrast
        cap = options.contrast_ratio * max(scores.get(c, 0.0) for c in named)
        held = [c for c in options.positive_only_categories if scores.get(c, 0.0) > cap]
        for category_id in held:
            scores[category_id] = cap
        if held:
            notes.append(f"contrast '{word}': {', '.join(named)} over {', '.join(held)}")


@dataclass(frozen=True, slots=True)
class _Matched:
    """What `score` reads that the sentiment does not change: the keyword and example
    scores before any damping, the failures and the damage in transit (English)."""

    compiled: CompiledTaxonomy  # held: the memo's key is its id
    found: tuple[tuple[int, str, list[Keyword]], ...]
    scores: dict[str, float]
    keywords: dict[str, list[Keyword]]
    overlap: dict[str, float]
    failing: dict[str, list[str]]
    in_transit: tuple[str, str] | None
    contrast: tuple[str, tuple[str, ...]] | None  # `contrast.contrast_clause`


# texts whose `_Matched` is kept: the self-training's rule pass starts each first build
# from an empty memo (`selftrain.pseudo_labels`) and scores at most its sample (20,000
# texts by default), which the provider then reads; once full, no more are kept (the
# provider's other texts are scored once anyway). Measured (tracemalloc, docs/benchmarks.md
# "Seventh pass"): 1.4 KB a clothing review (327 characters on average), 0.9
# KB a demo sample text (102), with the key; 28 MB at this bound (140 MB per 100k texts)
SCORE_MEMO_SIZE = 20_000
_score_memo: dict[tuple[int, int, str], _Matched] = {}
# OfflineOptions seen, by id, and the index of the first equal one (`_options_index`)
_options_seen: dict[int, tuple[OfflineOptions, int]] = {}
_options_distinct: list[OfflineOptions] = []


def reset_score_memo() -> None:
    """Forget the kept scores: a first build's rule pass starts from none, and
    benchmarks time every run from cold."""
    _score_memo.clear()
    _options_seen.clear()
    _options_distinct.clear()


def _options_index(options: OfflineOptions) -> int:
    """One number for equal options (the self-training's and the provider's are equal,
    not the same object); by identity after the first comparison."""
    seen = _options_seen.get(id(options))
    if seen is not None and seen[0] is options:
        return seen[1]
    if len(_options_seen) >= 64:
        reset_score_memo()  # the memo's keys hold the indices being forgotten
    index = next((i for i, o in enumerate(_options_distinct) if o == options), None)
    if index is None:
        _options_distinct.append(options)
        index = len(_options_distinct) - 1
    _options_seen[id(options)] = (options, index)
    return index


def _matched_of(
    tokens: Sequence[str],
    compiled: CompiledTaxonomy,
    options: OfflineOptions,
    found: Sequence[tuple[int, str, list[Keyword]]] | None,
) -> _Matched:
    """`score`'s sentiment-free part, kept per (compiled rules, options, tokens)."""
    key = (id(compiled), _options_index(options), "\x00".join(tokens))
    kept = _score_memo.get(key)
    if kept is not None and kept.compiled is compiled:
        return kept
    found = tuple(compiled.matcher.find(tokens) if found is None else found)
    scores, keywords = _keyword_scores(tokens, compiled, options, found)
    overlap: dict[str, float] = {}
    if compiled.example_index:
        overlap = _example_overlap(tokens, compiled, options)
        for category_id, ratio in overlap.items():
            scores[category_id] = scores.get(category_id, 0.0) + options.example_weight * ratio
    failing: dict[str, list[str]] = {}
    in_transit = contrast = None
    if compiled.language == BASE_LANGUAGE:
        failing = _failing(keywords, found, options)
        if options.transit_weight > 0 and options.transit_category in compiled.example_tokens:
            in_transit = _damage_in_transit(tokens, options)
        contrast = contrast_clause(tokens, found, keywords, options)
    matched = _Matched(compiled, found, scores, keywords, overlap, failing, in_transit, contrast)
    if len(_score_memo) < SCORE_MEMO_SIZE:
        _score_memo[key] = matched
    return matched


def choose(result: Scores, taxonomy: Taxonomy, options: OfflineOptions) -> Choice:
    """The best category if its score reaches `min_score`, else `unknown`; confidence
    from the evidence and the margin over the runner-up."""
    ranked = sorted(
        result.scores.items(),
        key=lambda kv: (
            -kv[1],
            -taxonomy.categories[kv[0]].criticality if kv[0] in taxonomy.categories else 0,
            kv[0],
        ),
    )
    best_id, best = ranked[0] if ranked else (UNKNOWN_CATEGORY, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    evidence = best / (best + options.evidence_half) if best > 0 else 0.0
    if best < options.min_score:
        return Choice(UNKNOWN_CATEGORY, [], round(0.5 * evidence, 4), ranked, best_id, best)
    secondary = [cid for cid, value in ranked[1:] if value >= options.secondary_ratio * best][
        : options.max_secondary
    ]
    margin = (best - second) / best
    confidence = round(evidence * (0.5 + 0.5 * margin), 4)
    return Choice(best_id, secondary, confidence, ranked, best_id, best)


def prefer_learned(
    choice: Choice,
    learned: Prediction | None,
    taxonomy: Taxonomy,
    options: OfflineOptions,
    rules_choice: Choice | None = None,
) -> Choice:
    """The model learned from people beats the keyword rules when it is surer (or the
    rules found nothing); the rules' other categories stay secondary. `rules_choice`: the
    rules' own choice when `choice` is the self-trained model's: people's decisions are
    weighed against the rules, not against a model trained on the rules' own labels
    (whose confidence would otherwise hold them back: issue 18's walk, banking77 with
    500 decisions 0.615 -> 0.564 accuracy)."""
    against = rules_choice or choice
    if (
        learned is None
        or learned.label not in taxonomy.categories
        or (against.main != UNKNOWN_CATEGORY and learned.probability < against.confidence)
    ):
        return choice
    previous = choice.main
    main = learned.label
    secondary = [
        cid
        for cid in ([previous] if previous != UNKNOWN_CATEGORY else []) + choice.secondary
        if cid != main
    ][: options.max_secondary]
    return Choice(main, secondary, learned.probability, choice.ranked, choice.best_id, choice.best)


def rationale_of(
    choice: Choice,
    result: Scores,
    vader: dict[str, float],
    urgent_found: list[str],
    learned: str | None,
    options: OfflineOptions,
    sentiment_note: str | None = None,
) -> str:
    """The evidence in words: top categories with their keywords, VADER (or, for another
    language, `sentiment_note`: the cue words), urgency words; `learned` (the learned
    model's verdict) first. At most 600 characters."""
    parts: list[str] = []
    if learned is not None:
        parts.append(learned)
    if choice.main == UNKNOWN_CATEGORY:
        parts.append(
            "no category keyword or example matched well enough"
            + (
                f" (best {choice.best_id} {choice.best:.2f} < {options.min_score:.2f})"
                if choice.ranked
                else ""
            )
        )
    for cid, value in choice.ranked[:3]:
        words = ", ".join(k.keyword for k in result.keywords.get(cid, []))
        detail = f"{cid} {value:.2f}"
        if words:
            detail += f" [{words}]"
        if cid in result.example_overlap:
            detail += f" example overlap {result.example_overlap[cid]:.2f}"
        parts.append(detail)
    vader_note = (
        f"vader compound {vader['compound']:.3f} (pos {vader['pos']:.2f}, neg {vader['neg']:.2f})"
    )
    parts.append(sentiment_note or vader_note)
    parts.extend(result.notes)
    if urgent_found:
        parts.append("urgency words: " + ", ".join(urgent_found))
    rationale = "; ".join(parts)
    if len(rationale) > 600:
        rationale = rationale[:599] + "…"
    return rationale
