"""dbt_project.yml and selectors.yml read as YAML without duplicate keys: with one, the
later mapping silently replaces the earlier (a model loses its Databricks compute config,
say); dbt only warns."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dbt_helpers import PROJECT


class _StrictLoader(yaml.SafeLoader):
    pass


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


@pytest.mark.parametrize("name", ["dbt_project.yml", "selectors.yml"])
def test_project_yaml_has_no_duplicate_keys(name: str) -> None:
    yaml.load(Path(PROJECT / name).read_text(encoding="utf-8"), Loader=_StrictLoader)


def test_python_models_keep_their_compute_config_and_daily_tags() -> None:
    project = yaml.load((PROJECT / "dbt_project.yml").read_text(), Loader=_StrictLoader)
    models = project["models"]["feedback_lakehouse"]
    intermediate = models["intermediate"]
    for name in ("int_texts__languages", "int_texts__enriched"):
        assert "+submission_method" in intermediate[name]
        assert "daily" in intermediate[name]["+tags"]
    topics = models["marts"]["drift"]["rpt_candidate_topics"]
    assert "+submission_method" in topics and "daily" not in topics["+tags"]
