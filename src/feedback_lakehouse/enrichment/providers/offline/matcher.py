"""The offline provider's taxonomy matcher: the seed's keywords (with regular
inflections) as whole-token phrases, and its examples as content-word sets, compiled
per language (`Category.phrases`): English from the seed's `keywords` and `examples`,
German, Spanish, French, ... from its `keywords_<language>` columns."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.taxonomy import BASE_LANGUAGE, Category, Taxonomy

log = logging.getLogger(__name__)

# words that carry no topic; ignored when comparing a text with example phrases
_STOPWORD_TEXT = """a an the and or but so if then than to of in on at by for from with without into
    onto about after before since when while as is am are was were be been being do does
    did done have has had having i me my mine we our ours you your yours he him his she
    her it its they them their this that these those there here what which who whom how
    why where very really just only also too more most much many some any all each every
    one two can could would should will shall may might must get got gets getting im ive
    id dont didnt not no yes please thanks thank"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (word lists written as prose)."""
    return frozenset(text.split())


# the same for the other languages with shipped keywords (articles, pronouns, auxiliary
# verbs, prepositions: "die App ist" and "das Paket ist" share no topic word)
LANGUAGE_STOPWORDS = {
    "de": words(
        """der die das den dem des ein eine einen einem einer eines und oder aber wenn
        dann als wie zu von vom mit bei nach seit für auf an am im in ins aus über um
        ist sind war waren bin bist hat habe haben hatte wird wurde werden kann können
        ich mich mir mein meine meinen wir uns unser sie ihr ihre es er du dich dein
        ihnen sehr auch noch schon nur so da hier was wer wo warum dass bitte danke"""
    ),
    "es": words(
        """el la los las un una unos unas y o pero si que de del al a en con por para
        sin sobre es son fue era está están estoy he ha han hay ser estar me mi mis yo
        nosotros nos su sus se lo le les tu te muy también ya solo cuando donde como
        este esta esto ese esa por favor gracias"""
    ),
    "fr": words(
        """le la les l un une des du de d et ou mais si que qu à au aux en dans avec par
        pour sur sous est sont était été suis ai as a ont avoir être je j me m mon ma
        mes moi nous notre vous votre il elle ils elles se s ce cette ces c très aussi
        déjà seulement quand où comment ne n y sil plait merci cest jai nest quil"""
    ),
}


def _inflections(word: str) -> set[str]:
    """Regular English inflections of one keyword (plural, past, -ing)."""
    forms = {word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if word.endswith("y") and len(word) > 3:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


def _inflections_de(word: str) -> set[str]:
    """German noun and adjective endings: Paket -> Pakete, Paketen; defekt -> defekter."""
    return {word + ending for ending in ("e", "en", "n", "er", "es", "em", "s")}


def _inflections_es(word: str) -> set[str]:
    """Spanish plural and gender: roto -> rotos, rota, rotas; error -> errores."""
    forms = {word + "s", word + "es"}
    if word[-1] in "oa":
        other = "a" if word[-1] == "o" else "o"
        forms |= {word[:-1] + other, word[:-1] + other + "s"}
    return forms


def _inflections_fr(word: str) -> set[str]:
    """French plural and gender: cassé -> cassée, cassés, cassées; colis stays."""
    return {word + "s", word + "e", word + "es", word + "x"}


# regular inflections per language, added to single-word keywords of 4+ letters (3+
# for English, as before); a form that is itself a keyword keeps its own category
INFLECTIONS = {
    BASE_LANGUAGE: _inflections,
    "de": _inflections_de,
    "es": _inflections_es,
    "fr": _inflections_fr,
}
# a token this long is tried as a German compound: "lieferverzögerung" reads as its
# longest keyword ending of at least COMPOUND_HEAD letters ("verzögerung")
COMPOUND_LANGUAGES = frozenset({"de", "nl"})
COMPOUND_MIN, COMPOUND_HEAD = 8, 5
# French and Italian elisions ("l'application" is the token "lapplication")
ELISION_LANGUAGES = frozenset({"fr", "it"})
ELISIONS = ("qu", "l", "d", "j", "n", "s", "c", "m", "t")


class PhraseMatcher:
    """Leftmost-longest, non-overlapping matching of word phrases on token lists.

    A phrase is matched as a whole-token sequence, so "late" does not match "plate" and
    "log in" matches "log-in". Lookups are dict hits per start token, which keeps a
    few hundred phrases fast on long texts (no regex alternation backtracking).
    """

    def __init__(
        self, phrases: Mapping[str, Any], inflect: bool = False, language: str = BASE_LANGUAGE
    ) -> None:
        table: dict[str, Any] = {}
        for phrase, payload in phrases.items():
            key = " ".join(tokens_of(phrase))
            if key:
                table.setdefault(key, payload)
        inflections = INFLECTIONS.get(language) if inflect else None
        if inflections is not None:
            shortest = 3 if language == BASE_LANGUAGE else 4
            for key, payload in list(table.items()):
                if " " not in key and len(key) >= shortest and key.isalpha():
                    for form in inflections(key):
                        table.setdefault(form, payload)
        self.table = table
        self.max_len = max((key.count(" ") + 1 for key in table), default=0)
        # per first token, the phrase lengths that start with it, longest first: most
        # start tokens begin one or two phrases, so few candidate keys are built
        sizes: dict[str, set[int]] = {}
        for key in table:
            sizes.setdefault(key.split(" ", 1)[0], set()).add(key.count(" ") + 1)
        self.sizes = {start: sorted(lengths, reverse=True) for start, lengths in sizes.items()}
        self.starts = frozenset(self.sizes)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, str, Any]]:
        """(start index, matched phrase, payload) for each match, left to right."""
        out: list[tuple[int, str, Any]] = []
        table, sizes, n_tokens = self.table, self.sizes, len(tokens)
        # only positions where a phrase can start (one set lookup per token, in C), left
        # to right; a match moves the next allowed start past its last token
        after = 0
        for i in [i for i, token in enumerate(tokens) if token in self.starts]:
            if i < after:
                continue
            for size in sizes[tokens[i]]:
                if size == 1:
                    key = tokens[i]
                elif i + size <= n_tokens:
                    key = " ".join(tokens[i : i + size])
                else:
                    continue
                if key in table:
                    out.append((i, key, table[key]))
                    after = i + size
                    break
        return out


@dataclass(frozen=True)
class Keyword:
    category_id: str
    keyword: str  # the seed's spelling, for rationale and root cause
    weight: float


@dataclass
class CompiledTaxonomy:
    matcher: PhraseMatcher
    example_tokens: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    example_index: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    language: str = BASE_LANGUAGE

    def tokens_for(self, tokens: list[str]) -> list[str]:
        """The tokens as the matcher reads them, one for one (positions kept): in German
        a compound no keyword names reads as its keyword ending ("paketverzögerung" ->
        "verzögerung"), in French an elided word as the word ("lapplication" ->
        "application"). Other languages: the tokens themselves."""
        compound = self.language in COMPOUND_LANGUAGES
        if not compound and self.language not in ELISION_LANGUAGES:
            return tokens
        table = self.matcher.table
        out = list(tokens)
        for i, token in enumerate(tokens):
            if token in table:
                continue
            head = _compound_head(token, table) if compound else _elided(token, table)
            if head is not None:
                out[i] = head
        return out


def _compound_head(token: str, table: Mapping[str, Any]) -> str | None:
    if len(token) < COMPOUND_MIN or not token.isalpha():
        return None
    for start in range(3, len(token) - COMPOUND_HEAD + 1):  # longest ending first
        if token[start:] in table:
            return token[start:]
    return None


def _elided(token: str, table: Mapping[str, Any]) -> str | None:
    for prefix in ELISIONS:
        rest = token[len(prefix) :]
        if token.startswith(prefix) and len(rest) >= 3 and rest in table:
            return rest
    return None


_warned: set[tuple[str, str]] = set()


def _warn_unreadable(category_id: str, keyword: str) -> None:
    if (category_id, keyword) not in _warned:
        _warned.add((category_id, keyword))
        log.warning(
            "taxonomy keyword %r of %s: %r is no word the offline matcher reads, so the "
            "keyword is not used; write it with words (e.g. 'percent off')",
            keyword,
            category_id,
            next(part for part in keyword.split() if not tokens_of(part)),
        )


def compile_taxonomy(
    categories: Iterable[Category], phrase_bonus: float, language: str = BASE_LANGUAGE
) -> CompiledTaxonomy:
    keywords: dict[str, list[Keyword]] = {}
    categories = list(categories)
    for category in categories:
        own_keywords, _ = category.phrases(language)
        for keyword in own_keywords:
            key = " ".join(tokens_of(keyword))
            if not key:
                continue
            if any(not tokens_of(part) for part in keyword.split()):
                # a part the tokeniser reads no word in ('%' of '% off') would leave the
                # rest ('off') to match every 'cut off': the keyword is not used, said once
                _warn_unreadable(category.category_id, keyword)
                continue
            weight = 1.0 + phrase_bonus * key.count(" ")
            entries = keywords.setdefault(key, [])
            if all(entry.category_id != category.category_id for entry in entries):
                entries.append(Keyword(category.category_id, keyword.strip(), weight))
    compiled = CompiledTaxonomy(
        matcher=PhraseMatcher(keywords, inflect=True, language=language), language=language
    )
    stopwords = STOPWORDS | LANGUAGE_STOPWORDS.get(language, frozenset())
    for category in categories:
        examples: list[frozenset[str]] = []
        for example in category.phrases(language)[1]:
            # read as a text is read (compounds, elisions), so the words compare
            words = compiled.tokens_for(tokens_of(example))
            content = frozenset(t for t in words if t not in stopwords)
            if not content:
                continue
            for token in content:
                compiled.example_index.setdefault(token, []).append(
                    (category.category_id, len(examples))
                )
            examples.append(content)
        compiled.example_tokens[category.category_id] = examples
    return compiled


_compiled_cache: dict[tuple[str, float, str], CompiledTaxonomy] = {}
# the same, keyed by what `compile_taxonomy` reads (each category's id and phrases in
# order): callers with other fingerprints for the same rules (the self-training's rule
# pass and the provider it trains) share one instance, and so `rules.score`'s memo
_compiled_by_content: dict[tuple[str, float, str], CompiledTaxonomy] = {}
_compiled_lock = threading.Lock()


def compiled_for(
    fingerprint: str, taxonomy: Taxonomy, phrase_bonus: float, language: str = BASE_LANGUAGE
) -> CompiledTaxonomy:
    """Compiled matchers per taxonomy content and language, built once per process."""
    key = (fingerprint, phrase_bonus, language)
    with _compiled_lock:
        compiled = _compiled_cache.get(key)
        if compiled is None:
            if len(_compiled_cache) >= 64:
                _compiled_cache.clear()
                _compiled_by_content.clear()
            content = json.dumps(
                [(c.category_id, c.phrases(language)) for c in taxonomy.categories.values()]
            )
            same = (content, phrase_bonus, language)
            compiled = _compiled_by_content.get(same)
            if compiled is None:
                compiled = compile_taxonomy(taxonomy.categories.values(), phrase_bonus, language)
                _compiled_by_content[same] = compiled
            _compiled_cache[key] = compiled
    return compiled


def taxonomy_payload(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """What the offline prompt version hashes of the taxonomy. Other languages'
    phrases are added only when a category has them, so an English-only taxonomy
    hashes as it did before they existed (its texts are not enriched again)."""
    payload = []
    for c in sorted(taxonomy.categories.values(), key=lambda c: c.category_id):
        entry: dict[str, Any] = {
            "id": c.category_id,
            "name": c.category_name,
            "owner": c.owner_team,
            "criticality": c.criticality,
            "keywords": list(c.keywords),
            "examples": list(c.examples),
        }
        if c.translations:
            entry["languages"] = {
                language: {"keywords": list(keywords), "examples": list(examples)}
                for language, (keywords, examples) in sorted(c.translations.items())
            }
        payload.append(entry)
    return payload
