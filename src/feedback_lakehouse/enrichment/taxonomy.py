"""Taxonomy loading and the rule that no label outside the taxonomy is ever stored.

The taxonomy lives in the dbt seed `seeds/taxonomy/taxonomy_categories.csv`, one row
per (taxonomy_version, category_id). `keywords` and `examples` are `|`-separated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Taxonomy:
    version: str
    categories: Mapping[str, Category] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return list(self.categories)

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
        return enrichment.model_copy(
            update={
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
        categories = {}
        for row in rows.to_dict("records"):
            cid = str(row["category_id"]).strip().lower()
            categories[cid] = Category(
                category_id=cid,
                category_name=str(row["category_name"]),
                description=str(row["description"]),
                owner_team=str(row["owner_team"]),
                criticality=int(row["criticality"]),
                parent_category_id=_none_if_blank(row["parent_category_id"]),
                keywords=_split(row["keywords"]),
                examples=_split(row["examples"]),
            )
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


def _split(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    return tuple(part.strip() for part in str(value).split("|") if part.strip())


def _none_if_blank(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    return text or None
