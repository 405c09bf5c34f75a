"""The offline provider's output, frozen: a change made for speed leaves every field of
every row as it was (`scripts/freeze_offline_output.py` wrote the fixture; run it again
only after a deliberate change of the rules or the taxonomy seed, and review the diff)."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "freeze_offline_output.py"


def _freezer() -> Any:
    spec = importlib.util.spec_from_file_location("freeze_offline_output", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def frozen() -> dict[str, Any]:
    freezer = _freezer()
    payload: dict[str, Any] = json.loads(gzip.decompress(freezer.FIXTURE.read_bytes()))
    return payload


def _differences(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    out = []
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        for field in sorted(set(want) | set(have)):
            if want.get(field) != have.get(field):
                out.append(f"row {i} {field}: {want.get(field)!r} != {have.get(field)!r}")
    return out


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
        diffs = _differences(frozen["rows"], got) + _differences(frozen["rows"], again)
        assert not diffs, f"{len(diffs)} fields differ, first: " + "; ".join(diffs[:5])
