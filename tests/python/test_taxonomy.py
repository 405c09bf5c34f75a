"""The taxonomy seed (seeds/taxonomy) loads, is consistent, and coerce guards labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, Enrichment
from feedback_lakehouse.enrichment.taxonomy import SEED_COLUMNS, Taxonomy

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "taxonomy"
CATEGORIES_CSV = SEEDS / "taxonomy_categories.csv"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return pd.read_csv(CATEGORIES_CSV, dtype=str, keep_default_na=False)


def test_seed_has_exactly_the_contract_columns(seed: pd.DataFrame) -> None:
    # the contract's columns, then keywords_<language> / examples_<language> pairs
    assert list(seed.columns[: len(SEED_COLUMNS)]) == SEED_COLUMNS
    others = list(seed.columns[len(SEED_COLUMNS) :])
    assert others == [
        f"{kind}_{lang}" for lang in ("de", "es", "fr") for kind in ("keywords", "examples")
    ]


def test_seed_loads_with_a_sensible_number_of_categories(taxonomy: Taxonomy) -> None:
    assert 8 <= len(taxonomy.categories) <= 15
    assert taxonomy.version in set(pd.read_csv(SEEDS / "taxonomy_versions.csv")["taxonomy_version"])


def test_no_duplicate_keys(seed: pd.DataFrame) -> None:
    keys = seed[["taxonomy_version", "category_id"]]
    assert not keys.duplicated().any(), keys[keys.duplicated()].to_dict("records")
    assert (seed["category_id"] == seed["category_id"].str.strip().str.lower()).all()


def test_every_owner_team_exists(seed: pd.DataFrame) -> None:
    teams = pd.read_csv(SEEDS / "owner_teams.csv", dtype=str)
    assert not teams["owner_team"].duplicated().any()
    missing = set(seed["owner_team"]) - set(teams["owner_team"])
    assert not missing, f"owner teams not in owner_teams.csv: {missing}"


def test_criticality_is_an_integer_from_1_to_5(seed: pd.DataFrame) -> None:
    values = pd.to_numeric(seed["criticality"], errors="raise")
    assert (values == values.round()).all()
    assert values.between(1, 5).all()


def test_every_category_has_keywords_examples_and_a_group(taxonomy: Taxonomy) -> None:
    for category in taxonomy.categories.values():
        assert category.parent_category_id, category.category_id
        assert len(category.keywords) >= 10, category.category_id
        assert 3 <= len(category.examples) <= 5, category.category_id
        # parents name a group; they are not categories themselves
        assert category.parent_category_id not in taxonomy.categories


def test_keywords_are_not_shared_between_categories(taxonomy: Taxonomy) -> None:
    owners: dict[str, str] = {}
    for category in taxonomy.categories.values():
        for keyword in category.keywords:
            key = keyword.lower()
            assert owners.setdefault(key, category.category_id) == category.category_id, key


def test_coerce_maps_an_invented_category_to_unknown(taxonomy: Taxonomy) -> None:
    invented = Enrichment(
        main_category="alien_invasion",
        secondary_categories=["billing_payment", "made_up"],
        sentiment="negative",
        sentiment_intensity=0.5,
        urgency="high",
        suggested_owner="nobody",
        short_summary="x",
        rationale="model said so",
        confidence=0.9,
        needs_review=False,
    )
    coerced = taxonomy.coerce(invented)
    assert coerced.main_category == UNKNOWN_CATEGORY
    assert coerced.needs_review is False  # the model's own flag stays as it answered
    assert taxonomy.signals_of(coerced) == ["label_coerced"]
    assert coerced.secondary_categories == ["billing_payment"]
    assert coerced.suggested_owner is None
    assert "alien_invasion" in coerced.rationale


def test_coerce_keeps_a_known_category_and_sets_its_owner(taxonomy: Taxonomy) -> None:
    known = Enrichment(
        main_category="Shipping_Delivery",
        sentiment="negative",
        sentiment_intensity=0.5,
        urgency="high",
        short_summary="x",
        rationale="r",
        confidence=0.9,
        needs_review=False,
    )
    coerced = taxonomy.coerce(known)
    assert coerced.main_category == "shipping_delivery"
    assert coerced.needs_review is False
    assert taxonomy.signals_of(coerced) == []
    assert coerced.suggested_owner == taxonomy.categories["shipping_delivery"].owner_team


def test_languages_are_read_once_per_taxonomy(taxonomy: Taxonomy) -> None:
    """The offline provider asks every text's language of the taxonomy: the set of
    languages with keywords is computed once (the taxonomy is frozen), not per call."""
    first = taxonomy.languages
    assert first == {"en", "de", "es", "fr"}
    assert taxonomy.languages is first
    assert taxonomy.rules_language("de-AT") == "de" and taxonomy.rules_language("ja") is None
