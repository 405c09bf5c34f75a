"""The self-trained model's output, frozen: a change made for speed leaves the model (its
identity, calibration, label and probability per text) and the labels it gives as they
were (`scripts/freeze_selftrain_output.py` wrote the fixture; run it again only after a
deliberate change of the self-training, the rules or the taxonomy seed, and review the
diff)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from frozen_helpers import field_differences, freeze_script

from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo


def _freezer() -> Any:
    return freeze_script("freeze_selftrain_output")


@pytest.fixture(scope="module")
def frozen() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(gzip.decompress(_freezer().FIXTURE.read_bytes()))
    return payload


def test_fixture_has_a_trained_model(frozen: dict[str, Any]) -> None:
    """The frozen corpus trains a model that labels texts the rules were not sure of."""
    assert frozen["identity"].startswith("selftrain-")
    assert len(frozen["predictions"]) == len(frozen["rows"]) >= 1000
    assert sum("self-trained" in (r["rationale"] or "") for r in frozen["rows"]) >= 100


def test_selftrained_output_is_as_frozen(frozen: dict[str, Any]) -> None:
    """Same identity, calibration, predictions and deciding fields of every row."""
    freezer = _freezer()
    reset_sentiment_memo()
    got = json.loads(json.dumps(freezer.run(freezer.corpus())))
    assert got["identity"] == frozen["identity"]
    assert got["reason"] == frozen["reason"]
    assert got["q"] == frozen["q"]
    assert got["predictions"] == frozen["predictions"]
    diffs = field_differences(frozen["rows"], got["rows"])
    assert not diffs, f"{len(diffs)} fields differ, first: " + "; ".join(diffs[:5])


def test_first_build_with_the_selftrained_sentiment_is_as_frozen() -> None:
    """A first build with both self-trained models (as `dbt_entry.self_train` sets it
    up): the sentiment model's identity, its label and blended score per text, and every
    stored field of every row, as frozen."""
    freezer = _freezer()
    frozen = json.loads(gzip.decompress(freezer.SENTIMENT_FIXTURE.read_bytes()))
    assert frozen["identity"].startswith("selftrain-sentiment-")
    assert len(frozen["labels"]) >= 1000
    reset_sentiment_memo()
    got = json.loads(json.dumps(freezer.run_with_sentiment(freezer.corpus())))
    assert got["identity"] == frozen["identity"]
    assert got["reason"] == frozen["reason"]
    assert got["labels"] == frozen["labels"]
    assert got["blended"] == frozen["blended"]
    diffs = field_differences(frozen["rows"], got["rows"])
    assert not diffs, f"{len(diffs)} fields differ, first: " + "; ".join(diffs[:5])
