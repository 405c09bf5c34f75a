"""A batch of texts is scored with fewer garbage-collector passes (`gc_pause`), and the
collector's thresholds are the caller's again afterwards, even after an error."""

from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment import gc_pause, selftrain_dbt
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)


@pytest.fixture
def default_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_thresholds")
def test_thresholds_raised_inside_and_restored_after_an_error() -> None:
    with pytest.raises(RuntimeError), gc_pause.fewer_collections():
        assert gc.get_threshold() == (gc_pause.GEN0_THRESHOLD, 10, 10)
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("default_thresholds")
def test_a_higher_threshold_already_set_is_kept() -> None:
    gc.set_threshold(10 * gc_pause.GEN0_THRESHOLD, 5, 5)
    with gc_pause.fewer_collections():
        assert gc.get_threshold() == (10 * gc_pause.GEN0_THRESHOLD, 5, 5)
    assert gc.get_threshold() == (10 * gc_pause.GEN0_THRESHOLD, 5, 5)


@pytest.mark.usefixtures("default_thresholds")
def test_the_offline_provider_and_the_self_training_score_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    seen: list[int] = []
    provider = OfflineProvider()
    scoring = provider._enrich_one

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return scoring(*args, **kwargs)

    monkeypatch.setattr(provider, "_enrich_one", spy)
    provider.enrich([TextItem(text_hash="h1", text="The parcel never arrived.")], taxonomy)
    assert seen == [gc_pause.GEN0_THRESHOLD]

    fitted: list[int] = []
    monkeypatch.setattr(
        selftrain_dbt,
        "SelfTrainedSentiment",
        lambda *a, **k: (
            fitted.append(gc.get_threshold()[0]) or SimpleNamespace(reason="stub", is_trained=False)
        ),
    )
    frame = pd.DataFrame({"text_hash": ["h1"], "text": ["It broke."], "language": ["en"]})
    selftrain_dbt.batch_sentiment_model(frame, provider.options, object())
    assert fitted == [gc_pause.GEN0_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)
