"""The model cache (`enrichment/model_cache.py`): a daily run loads the fitted self-trained
models a previous run kept instead of reading their training texts and fitting them
again; anything doubtful is rebuilt, and said."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from test_selftrain import CORPUS, RULES_BLIND, SETTINGS, _stored, _triples
from test_selftrain_sentiment import (
    CATEGORIES_CSV,
    UNSURE_NEGATIVE,
    UNSURE_POSITIVE,
    _corpus_frame,
    scored,
)
from test_selftrain_sentiment import _stored as _stored_sentiment

from feedback_lakehouse.enrichment.model_cache import KEEP, ModelCache, model_cache
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.selftrain import SelfTrainedModel
from feedback_lakehouse.enrichment.selftrain_dbt import (
    batch_model,
    batch_sentiment_model,
    keep_model,
    keep_sentiment,
    stored_model,
    stored_sentiment_model,
)
from feedback_lakehouse.enrichment.selftrain_sentiment import SentimentSelfTrainSettings
from feedback_lakehouse.enrichment.taxonomy import Taxonomy


class Model:
    def __init__(self, identity: str) -> None:
        self.identity = identity


def test_a_kept_model_loads_only_under_its_identity_and_salt(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "models")
    assert cache.load("kind", "m-1", {"c": 1}, Model) is None
    cache.save("kind", "m-1", {"c": 1}, Model("m-1"))
    assert cache.load("kind", "m-1", {"c": 1}, Model).identity == "m-1"
    assert cache.load("kind", "m-1", {"c": 2}, Model) is None  # other settings or rules
    assert cache.load("other", "m-1", {"c": 1}, Model) is None
    assert cache.load("kind", "m-1", {"c": 1}, dict) is None  # not the class asked for


def test_a_read_only_cache_still_serves_its_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ModelCache(tmp_path)
    cache.save("kind", "m-1", None, Model("m-1"))

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(os, "utime", refuse)
    assert cache.load("kind", "m-1", None, Model).identity == "m-1"


def test_a_damaged_or_foreign_file_is_rebuilt_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ModelCache(tmp_path)
    cache.save("kind", "m-1", None, Model("m-1"))
    cache.path("kind", "m-1", None).write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert cache.load("kind", "m-1", None, Model) is None
    assert "could not be read" in caplog.text
    # a file holding another model under this one's name
    cache.save("kind", "m-1", None, Model("m-2"))
    with caplog.at_level(logging.WARNING):
        assert cache.load("kind", "m-1", None, Model) is None
    assert "holds another model" in caplog.text


def test_each_kind_keeps_its_newest_files(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    for i in range(KEEP + 3):
        cache.save("kind", f"m-{i}", None, Model(f"m-{i}"))
        os.utime(cache.path("kind", f"m-{i}", None), (i, i))  # written in this order
    cache.save("other", "o-1", None, Model("o-1"))
    kept = sorted(p.name.split("-")[2] for p in tmp_path.glob("kind-*.pkl"))
    assert len(kept) == KEEP and "0" not in kept
    assert cache.load("other", "o-1", None, Model) is not None


def test_an_unwritable_directory_is_said_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory would be")
    with caplog.at_level(logging.WARNING):
        ModelCache(blocked / "models").save("kind", "m-1", None, Model("m-1"))
    assert "could not write" in caplog.text and "offline_model_cache" in caplog.text


def test_a_model_that_cannot_be_pickled_is_said_and_leaves_no_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unpicklable = Model("m-1")
    unpicklable.handle = lambda: None  # a lambda does not pickle
    with caplog.at_level(logging.WARNING):
        ModelCache(tmp_path).save("kind", "m-1", None, unpicklable)
    assert "could not write" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_where_the_var_puts_the_cache(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert model_cache("auto", con).directory == tmp_path / "w.duckdb.models"
    assert model_cache(None, con).directory == tmp_path / "w.duckdb.models"
    assert model_cache("off", con) is None
    assert model_cache(str(tmp_path / "elsewhere"), con).directory == tmp_path / "elsewhere"
    assert model_cache("auto", duckdb.connect()) is None  # in memory: nothing lasts
    spark = SimpleNamespace(sparkContext=object(), execute=None)
    assert model_cache("auto", spark) is None


def test_a_connection_that_cannot_say_its_file_keeps_no_cache(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(sql: str) -> None:
        raise RuntimeError("no such table function")

    with caplog.at_level(logging.WARNING):
        assert model_cache("auto", SimpleNamespace(execute=refuse)) is None
    assert "MODEL CACHE: off" in caplog.text


@pytest.fixture
def no_fitting(monkeypatch: pytest.MonkeyPatch):
    """After this, fitting a pipeline fails the test: the model must come from the cache."""

    def arm() -> None:
        def refuse(*args, **kwargs):
            raise AssertionError("a model was fitted again")

        monkeypatch.setattr(Pipeline, "fit", refuse)

    return arm


def test_a_daily_run_loads_the_category_model_instead_of_fitting_it(
    tmp_path: Path, no_fitting, caplog: pytest.LogCaptureFixture
) -> None:
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    texts = pd.DataFrame(_triples(CORPUS), columns=["text_hash", "text", "language"])
    # the key names the rules (in a build, the prompt version): its own, not test_selftrain's
    model = batch_model(texts, taxonomy, OfflineOptions(), "model-cache-csv", SETTINGS)
    cache = ModelCache(tmp_path)
    keep_model(cache, model, taxonomy)  # the first build keeps what it trained
    con, _ = _stored(taxonomy, model)
    dbt = SimpleNamespace(is_incremental=True, this="enriched")

    def version(m: SelfTrainedModel) -> str:
        return OfflineProvider(selftrained=m).prompt_version(taxonomy)

    no_fitting()
    texts_now = con.table("texts")
    loaded = stored_model(dbt, con, texts_now, taxonomy, SETTINGS, version, None, cache)
    assert loaded is not None and loaded.identity == model.identity
    assert loaded.predict(RULES_BLIND) == model.predict(RULES_BLIND)
    # other rules (another prompt version): not reused, and said as it happened
    with caplog.at_level(logging.WARNING):
        assert (
            stored_model(dbt, con, texts_now, taxonomy, SETTINGS, lambda m: "x", None, cache)
            is None
        )
    assert "was loaded from the model cache, but the rules or their options changed" in caplog.text
    # other settings: another cache key, so rebuilt (and here: fitting is refused)
    other = SETTINGS.model_copy(
        update={"use_taxonomy_examples": not SETTINGS.use_taxonomy_examples}
    )
    with pytest.raises(AssertionError, match="fitted again"):
        stored_model(dbt, con, con.table("texts"), taxonomy, other, version, None, cache)


def test_a_daily_run_loads_the_sentiment_model_instead_of_fitting_it(
    tmp_path: Path, no_fitting
) -> None:
    settings = SentimentSelfTrainSettings()
    build = duckdb.connect()
    build.register("corpus", _corpus_frame())
    model = batch_sentiment_model(build.table("corpus"), OfflineOptions(), settings)
    assert model.is_trained
    con, _ = _stored_sentiment(model)
    taxonomy = Taxonomy.from_csv(CATEGORIES_CSV, "v1")
    dbt = SimpleNamespace(is_incremental=True, this="enriched")
    cache = ModelCache(tmp_path)
    # not kept yet: rebuilt from the stored rows, then kept
    rebuilt = stored_sentiment_model(
        dbt, con, con.table("texts"), taxonomy, OfflineOptions(), settings, cache
    )
    assert rebuilt is not None and list(tmp_path.glob("sentiment-*.pkl"))
    no_fitting()
    options = OfflineOptions()
    loaded = stored_sentiment_model(
        dbt, con, con.table("texts"), taxonomy, options, settings, cache
    )
    assert loaded is not None and loaded.identity == model.identity
    assert loaded.options is options  # this run's options, not a pickled copy
    unsure = scored(UNSURE_NEGATIVE, UNSURE_POSITIVE, "Pilling sleeves, see-through.")
    assert loaded.labels_of(unsure) == model.labels_of(unsure)
    assert keep_sentiment(None, model) is None  # no cache: nothing kept, nothing fails
