"""The offline provider's taxonomy matcher: the seed's keywords (with regular
inflections) as whole-token phrases, and its examples as content-word sets."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.taxonomy import Category, Taxonomy

# words that carry no topic; ignored when comparing a text with example phrases
_STOPWORD_TEXT = """a an the and or but so if then than to of in on at by for from with without into
    onto about after before since when while as is am are was were be been being do does
    did done have has had having i me my mine we our ours you your yours he him his she
    her it its they them their this that these those there here what which who whom how
    why where very really just only also too more most much many some any all each every
    one two can could would should will shall may might must get got gets getting im ive
    id dont didnt not no yes please thanks thank"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


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


class PhraseMatcher:
    """Leftmost-longest, non-overlapping matching of word phrases on token lists.

    A phrase is matched as a whole-token sequence, so "late" does not match "plate" and
    "log in" matches "log-in". Lookups are dict hits per start token, which keeps a
    few hundred phrases fast on long texts (no regex alternation backtracking).
    """

    def __init__(self, phrases: Mapping[str, Any], inflect: bool = False) -> None:
        table: dict[str, Any] = {}
        for phrase, payload in phrases.items():
            key = " ".join(tokens_of(phrase))
            if key:
                table.setdefault(key, payload)
        if inflect:
            for key, payload in list(table.items()):
                if " " not in key and len(key) >= 3 and key.isalpha():
                    for form in _inflections(key):
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


def compile_taxonomy(categories: Iterable[Category], phrase_bonus: float) -> CompiledTaxonomy:
    keywords: dict[str, list[Keyword]] = {}
    example_tokens: dict[str, list[frozenset[str]]] = {}
    example_index: dict[str, list[tuple[str, int]]] = {}
    for category in categories:
        for keyword in category.keywords:
            key = " ".join(tokens_of(keyword))
            if not key:
                continue
            weight = 1.0 + phrase_bonus * key.count(" ")
            entries = keywords.setdefault(key, [])
            if all(entry.category_id != category.category_id for entry in entries):
                entries.append(Keyword(category.category_id, keyword.strip(), weight))
        examples: list[frozenset[str]] = []
        for example in category.examples:
            content = frozenset(t for t in tokens_of(example) if t not in STOPWORDS)
            if not content:
                continue
            for token in content:
                example_index.setdefault(token, []).append((category.category_id, len(examples)))
            examples.append(content)
        example_tokens[category.category_id] = examples
    return CompiledTaxonomy(
        matcher=PhraseMatcher(keywords, inflect=True),
        example_tokens=example_tokens,
        example_index=example_index,
    )


_compiled_cache: dict[tuple[str, float], CompiledTaxonomy] = {}
_compiled_lock = threading.Lock()


def compiled_for(fingerprint: str, taxonomy: Taxonomy, phrase_bonus: float) -> CompiledTaxonomy:
    """Compiled matchers per taxonomy content, built once per process and reused."""
    key = (fingerprint, phrase_bonus)
    with _compiled_lock:
        compiled = _compiled_cache.get(key)
        if compiled is None:
            if len(_compiled_cache) >= 16:
                _compiled_cache.clear()
            compiled = compile_taxonomy(taxonomy.categories.values(), phrase_bonus)
            _compiled_cache[key] = compiled
    return compiled


def taxonomy_payload(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    return [
        {
            "id": c.category_id,
            "name": c.category_name,
            "owner": c.owner_team,
            "criticality": c.criticality,
            "keywords": list(c.keywords),
            "examples": list(c.examples),
        }
        for c in sorted(taxonomy.categories.values(), key=lambda c: c.category_id)
    ]
