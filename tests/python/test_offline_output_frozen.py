"""The offline provider's output, frozen: a change made for speed leaves every field of
every row as it was (`scripts/freeze_offline_output.py` wrote the fixture; run it again
only after a deliberate change of the rules or the taxonomy seed, and review the diff)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from frozen_helpers import field_differences, freeze_script

from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo


def _freezer() -> Any:
    return freeze_script("freeze_offline_output")


@pytest.fixture(scope="module")
def frozen() -> dict[str, Any]:
    freezer = _freezer()
    payload: dict[str, Any] = json.loads(gzip.decompress(freezer.FIXTURE.read_bytes()))
    return payload


def test_fixture_covers_the_paths(frozen: dict[str, Any]) -> None:
    """The frozen texts reach the provider's branches: empty, no rules for the
    language, other languages' rules, several categories with their own sentiment."""
    rows = frozen["rows"]
    assert len(rows) == len(frozen["texts"]) >= 1000
    reasons = " ".join(r["rationale"] for r in rows)
    assert "empty text" in reasons and "is not supported offline" in reasons
    assert {"de", "es", "fr"} <= {r["language"] for r in rows}
    assert sum(r["category_sentiments"].count('"category"') > 1 for r in rows) >= 50
    assert sum(r["root_cause_guess"] is not None for r in rows) >= 100


def test_output_is_as_frozen(frozen: dict[str, Any]) -> None:
    """Every field of every row (but the run's time and latency) as frozen, from cold
    memos and again warm (the memos must not change a result)."""
    freezer = _freezer()
    texts = [(text, language) for text, language in frozen["texts"]]
    for _ in range(2):
        reset_sentiment_memo()
        got = freezer.enrich(texts)
        again = freezer.enrich(texts)
        diffs = field_differences(frozen["rows"], got) + field_differences(frozen["rows"], again)
        assert not diffs, f"{len(diffs)} fields differ, first: " + "; ".join(diffs[:5])
