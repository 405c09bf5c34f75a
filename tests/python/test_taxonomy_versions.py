"""Taxonomy versions: the default version in force, v2 against v1, and the mapping seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, TaxonomyError, default_version

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "taxonomy"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / name, dtype=str, keep_default_na=False)


def test_the_default_version_is_the_one_active_default() -> None:
    assert default_version(_read("taxonomy_versions.csv")) == "v2"


def test_default_version_refuses_zero_or_two_defaults() -> None:
    versions = pd.DataFrame(
        {
            "taxonomy_version": ["v1", "v2"],
            "status": ["active", "active"],
            "is_default": ["true", "true"],
        }
    )
    with pytest.raises(TaxonomyError, match="exactly one"):
        default_version(versions)
    versions["is_default"] = ["false", "false"]
    with pytest.raises(TaxonomyError, match="exactly one"):
        default_version(versions)


def test_v1_rows_are_unchanged_and_v2_loads() -> None:
    seed = _read("taxonomy_categories.csv")
    v1 = Taxonomy.from_frame(seed, "v1")
    v2 = Taxonomy.from_frame(seed, "v2")
    assert {"shipping_delivery", "pricing", "billing_payment"} <= set(v1.ids)
    assert {"shipping_delivery", "delivery_delay", "pricing_billing"} <= set(v2.ids)
    assert not {"pricing", "billing_payment"} & set(v2.ids)
    for category in v2.categories.values():
        assert len(category.keywords) >= 10, category.category_id
        assert 3 <= len(category.examples) <= 5, category.category_id


def test_mapping_covers_both_versions_and_weights_sum_to_one() -> None:
    seed = _read("taxonomy_categories.csv")
    mapping = _read("taxonomy_mapping.csv")
    mapping["weight"] = mapping["weight"].astype(float)
    for version, column in (("v1", "from_category_id"), ("v2", "to_category_id")):
        ids = set(seed.loc[seed["taxonomy_version"] == version, "category_id"])
        assert set(mapping[column]) == ids, version
    sums = mapping.groupby("from_category_id")["weight"].sum()
    assert (sums.round(6) == 1).all(), sums.to_dict()


@pytest.mark.parametrize(
    ("text", "v1_label", "v2_label"),
    [
        ("The lamp arrived smashed, box crushed!!!", "shipping_delivery", "shipping_delivery"),
        ("Tracking has not updated for a week", "shipping_delivery", "delivery_delay"),
        ("I was charged twice", "billing_payment", "pricing_billing"),
        ("Way too expensive for what you get", "pricing", "pricing_billing"),
        ("Please add dark mode", "feature_request", "feature_request"),
    ],
)
def test_v2_splits_and_merges_as_mapped(text: str, v1_label: str, v2_label: str) -> None:
    seed = _read("taxonomy_categories.csv")
    provider = OfflineProvider()
    item = [TextItem(text_hash="h", text=text, language="en")]
    (old,) = provider.enrich(item, Taxonomy.from_frame(seed, "v1"))
    (new,) = provider.enrich(item, Taxonomy.from_frame(seed, "v2"))
    assert (old.main_category, new.main_category) == (v1_label, v2_label)
    assert old.prompt_version != new.prompt_version
