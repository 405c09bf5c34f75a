"""Taxonomy loading and the rule that no label outside the taxonomy is ever stored.

The taxonomy lives in the dbt seed `seeds/taxonomy/taxonomy_categories.csv`, one row
per (taxonomy_version, category_id). `keywords` and `examples` are `|`-separated and
English; optional `keywords_<language>` / `examples_<language>` columns (ISO 639-1:
`keywords_de`, `examples_fr`, ...) hold the same categories' phrases in other languages,
so a taxonomy without them (every bring-your-own one written before) loads unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_lakehouse.contracts import (
    LABEL_COERCED,
    MODEL_FLAGGED,
    UNKNOWN_CATEGORY,
    Enrichment,
)

# how `coerce` starts the rationale of a main category it mapped to unknown
_COERCED_MARK = "[category "

SEED_COLUMNS = [
    "taxonomy_version",
    "category_id",
    "parent_category_id",
    "category_name",
    "description",
    "owner_team",
    "criticality",
    "keywords",
    "examples",
]
# the language of `keywords` and `examples`; other languages have their own columns
BASE_LANGUAGE = "en"
LANGUAGE_COLUMN = re.compile(r"^(keywords|examples)_([a-z]{2,3})$")
Phrases = tuple[tuple[str, ...], tuple[str, ...]]  # (keywords, examples)


class TaxonomyError(ValueError):
    """The taxonomy seed is missing, empty or malformed."""


@dataclass(frozen=True)
class Category:
    category_id: str
    category_name: str
    description: str
    owner_team: str
    criticality: int  # 1 (cosmetic) .. 5 (business critical)
    parent_category_id: str | None = None
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # other languages: language -> (keywords, examples), from keywords_<language> columns
    translations: Mapping[str, Phrases] = field(default_factory=dict, hash=False)

    def phrases(self, language: str) -> Phrases:
        """(keywords, examples) in `language`: the base columns for English, else the
        language's columns (empty when the seed has none)."""
        if language == BASE_LANGUAGE:
            return self.keywords, self.examples
        return self.translations.get(language, ((), ()))


@dataclass(frozen=True)
class Taxonomy:
    version: str
    categories: Mapping[str, Category] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return list(self.categories)

    @cached_property
    def languages(self) -> frozenset[str]:
        """The languages the offline rules can read: English and every language with a
        keyword for at least one category. Computed once per taxonomy (it is frozen): the
        offline provider asks for every text, and a walk over every category's
        translations per call was a tenth of its time."""
        found = {BASE_LANGUAGE}
        for category in self.categories.values():
            found |= {lang for lang, (keywords, _) in category.translations.items() if keywords}
        return frozenset(found)

    def rules_language(self, language: str | None) -> str | None:
        """The language whose phrases read a text detected as `language` ("de", "de-AT"):
        English for no language (too short to tell), None when the taxonomy has no
        keywords in it."""
        code = language_code(language)
        return code if code in self.languages else None

    def owner_of(self, category_id: str | None) -> str | None:
        category = self.categories.get(category_id or "")
        return category.owner_team if category else None

    def coerce(self, enrichment: Enrichment) -> Enrichment:
        """Return the enrichment with every label inside this taxonomy.

        A main category the taxonomy lacks becomes `unknown` (its rationale says which,
        `signals_of` reports it); unknown secondary categories are dropped; the owner
        always follows the main category. The model's own needs_review is left as it
        answered: it is evidence, int_feedback__status decides.
        """
        main = enrichment.main_category
        rationale = enrichment.rationale
        if main != UNKNOWN_CATEGORY and main not in self.categories:
            rationale = f"{_COERCED_MARK}'{main}' is not in taxonomy {self.version}] {rationale}"
            main = UNKNOWN_CATEGORY
        secondary = [
            c for c in enrichment.secondary_categories if c in self.categories and c != main
        ]
        owner = self.owner_of(main)
        if (
            main == enrichment.main_category
            and secondary == enrichment.secondary_categories
            and owner == enrichment.suggested_owner
            and len(rationale) <= 600
        ):
            return enrichment  # already inside the taxonomy (the offline provider's case)
        # validated again, so category_sentiments keeps only the labels kept here (a
        # coerced main category's entry goes; `unknown` takes the overall sentiment)
        return Enrichment.model_validate(
            {
                **enrichment.model_dump(),
                "main_category": main,
                "secondary_categories": secondary,
                "suggested_owner": owner,
                "rationale": rationale[:600],
            }
        )

    @staticmethod
    def signals_of(enrichment: Enrichment) -> list[str]:
        """The review signals of a coerced enrichment: the model's own flag and whether
        its main category was mapped to unknown (`coerce`)."""
        signals = [MODEL_FLAGGED] if enrichment.needs_review else []
        if enrichment.rationale.startswith(_COERCED_MARK):
            signals.append(LABEL_COERCED)
        return signals

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, version: str | None = None) -> Taxonomy:
        missing = [c for c in SEED_COLUMNS if c not in frame.columns]
        if missing:
            raise TaxonomyError(
                f"taxonomy seed lacks columns {missing}; expected {SEED_COLUMNS} "
                "(see seeds/taxonomy/taxonomy_categories.csv)"
            )
        versions = sorted(str(v) for v in frame["taxonomy_version"].dropna().unique())
        if not versions:
            raise TaxonomyError("taxonomy seed is empty: add categories to the seed")
        chosen = version or versions[-1]
        rows = frame[frame["taxonomy_version"].astype(str) == chosen]
        if rows.empty:
            raise TaxonomyError(
                f"taxonomy version '{chosen}' is not in the seed (it has {versions}); "
                "set the dbt var taxonomy_version to one of them"
            )
        languages = language_columns(frame.columns)
        categories = {}
        for row in rows.to_dict("records"):
            category = _category_of(row, languages)
            categories[category.category_id] = category
        return cls(version=chosen, categories=categories)

    @classmethod
    def from_csv(cls, path: str | Path, version: str | None = None) -> Taxonomy:
        path = Path(path)
        if not path.exists():
            raise TaxonomyError(f"taxonomy seed {path} not found")
        return cls.from_frame(pd.read_csv(path, dtype=str, keep_default_na=False), version)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], version: str | None = None):
        return cls.from_frame(pd.DataFrame(list(records)), version)


def default_version(versions: pd.DataFrame) -> str:
    """The default active version of the `taxonomy_versions` seed (exactly one must be)."""
    missing = {"taxonomy_version", "status", "is_default"} - set(versions.columns)
    if missing:
        raise TaxonomyError(f"taxonomy_versions seed lacks columns {sorted(missing)}")
    flags = versions["is_default"].map(lambda v: str(v).strip().lower() in ("true", "1"))
    rows = versions[flags & (versions["status"].astype(str).str.strip() == "active")]
    found = sorted(str(v) for v in rows["taxonomy_version"])
    if len(found) != 1:
        raise TaxonomyError(
            f"taxonomy_versions must have exactly one active default version, found {found}; "
            "fix seeds/taxonomy/taxonomy_versions.csv or set the dbt var taxonomy_version"
        )
    return found[0]


@lru_cache(maxsize=4096)
def language_code(language: str | None) -> str:
    """The ISO 639-1 code of a detected language ("de-AT" -> "de"); English when the
    language is unknown (a text too short to tell, as the offline rules always read it).
    Kept per spelling: the offline provider asks about six times a text, for a handful
    of distinct values."""
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code or BASE_LANGUAGE


def language_columns(columns: Iterable[Any]) -> dict[str, dict[str, str]]:
    """language -> {"keywords": column, "examples": column} of the seed's
    `keywords_<language>` / `examples_<language>` columns (either may be absent)."""
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        match = LANGUAGE_COLUMN.match(str(column).strip().lower())
        if match is None:
            continue
        kind, language = match.groups()
        if language == BASE_LANGUAGE:
            raise TaxonomyError(
                f"taxonomy seed column '{column}': English phrases belong in the columns "
                "keywords and examples; rename or remove it"
            )
        found.setdefault(language, {})[kind] = str(column)
    return found


def _category_of(row: Mapping[str, Any], languages: Mapping[str, Mapping[str, str]]) -> Category:
    translations: dict[str, Phrases] = {}
    for language, columns in sorted(languages.items()):
        keywords = _split(row.get(columns.get("keywords", "")))
        examples = _split(row.get(columns.get("examples", "")))
        if keywords or examples:
            translations[language] = (keywords, examples)
    return Category(
        category_id=str(row["category_id"]).strip().lower(),
        category_name=str(row["category_name"]),
        description=str(row["description"]),
        owner_team=str(row["owner_team"]),
        criticality=int(row["criticality"]),
        parent_category_id=_none_if_blank(row["parent_category_id"]),
        keywords=_split(row["keywords"]),
        examples=_split(row["examples"]),
        translations=translations,
    )


def _split(value: Any) -> tuple[str, ...]:
    # a blank cell: None, NaN or pandas' NA (a language column a seed leaves empty)
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ()
    return tuple(part.strip() for part in str(value).split("|") if part.strip())


def _none_if_blank(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    return text or None
