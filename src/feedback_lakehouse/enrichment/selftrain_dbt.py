"""Self-training in a dbt build: which self-trained model a run enriches with (`selftrain.py`).

A build that enriches every text (the first, a full refresh, or any build after the rules,
the taxonomy or the self-training settings changed) trains on that batch: the rules label
a fixed sample of it, their sure labels are the training set. A later run (the daily run)
rebuilds that same model from the enrichment table itself: the rows it learned from start
their rationale with `selftrain.EXAMPLE_MARK <category> (rules <confidence>)`, their
texts are still in `int_texts__to_enrich`, so the same training set gives the same
identity, the same enrichment key, and only new texts are enriched. When the stored model
cannot be rebuilt exactly (a text gone, other settings, other rules), the run trains on
the batch again and says why: every text is enriched again under the new model.

The self-trained sentiment (`selftrain_sentiment.py`) is stored and rebuilt the same way:
its rows carry `SENTIMENT_EXAMPLE_MARK <label>` in the rationale (`stored_sentiment_model`,
`first_build_sentiment`).

With a model cache (`model_cache.py`, var `offline_model_cache`), a run that trained or
rebuilt a model saves it, and the next run loads it instead of rebuilding it: the same
model, without reading its training texts or fitting it again.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from feedback_lakehouse.dbt_glue import is_duckdb_relation, project, sql_literal, to_pandas
from feedback_lakehouse.enrichment import gc_pause
from feedback_lakehouse.enrichment.engine import make_provider
from feedback_lakehouse.enrichment.model_cache import CATEGORY_KIND, SENTIMENT_KIND, ModelCache
from feedback_lakehouse.enrichment.parallel import map_chunks
from feedback_lakehouse.enrichment.providers.offline.kept import evidence_of_texts
from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.selftrain import (
    EXAMPLE_MARK,
    SELFTRAIN_NAME,
    SelfTrainedModel,
    SelfTrainSettings,
    example_of_rationale,
    pseudo_labels,
    taxonomy_examples,
)
from feedback_lakehouse.enrichment.selftrain_sentiment import (
    SENTIMENT_EXAMPLE_MARK,
    SENTIMENT_SELFTRAIN_NAME,
    ScoredText,
    SelfTrainedSentiment,
    SentimentSelfTrainSettings,
)
from feedback_lakehouse.enrichment.taxonomy import BASE_LANGUAGE, Taxonomy
from feedback_lakehouse.progress import console_logger

log = logging.getLogger(__name__)


def _readable_sql(taxonomy: Taxonomy) -> str:
    """SQL: the text's language is one the rules read (`Taxonomy.rules_language`: its
    code before '-' or '_', no language read as English)."""
    codes = ", ".join(sql_literal(c) for c in sorted(taxonomy.languages | {""}))
    code = "split_part(replace(lower(trim(coalesce(language, ''))), '_', '-'), '-', 1)"
    return f"{code} in ({codes})"


def _identity_of(model: str, name: str = SELFTRAIN_NAME) -> str | None:
    """The self-trained part of a stored `model` name (`vader-keywords-1+selftrain-1-...`)."""
    return next((p for p in model.split("+") if p.startswith(name + "-")), None)


def _stored_examples(
    dbt: Any, session: Any, texts: Any, model: str, like: str = EXAMPLE_MARK + "%"
) -> pd.DataFrame:
    """text_hash, text, source (null where the texts have none) and rationale of the
    stored rows `model` learned from (their rationale is `like` this pattern)."""
    marked = (
        f"select text_hash, rationale from {dbt.this} "
        f"where model = {sql_literal(model)} and rationale like {sql_literal(like)}"
    )
    rows = to_pandas(session.sql(marked))
    columns = ["text_hash", "text", *(["source"] if "source" in texts.columns else [])]
    if is_duckdb_relation(texts):
        texts = project(texts, columns).filter(f"text_hash in (select text_hash from ({marked}))")
    frame = to_pandas(texts)[columns].drop_duplicates("text_hash")
    if "source" not in frame.columns:
        frame["source"] = None
    return rows.merge(frame, on="text_hash", how="inner")


def _groups(sources: Any) -> list[str]:
    """Each text's source as the self-trained sentiment's group ("" where it has none)."""
    return ["" if pd.isna(source) else str(source) for source in sources]


def _category_salt(settings: SelfTrainSettings, taxonomy: Taxonomy) -> Any:
    """What a category model is trained under besides its examples (its cache key)."""
    shown = taxonomy_examples(taxonomy) if settings.use_taxonomy_examples else ()
    return {"settings": settings.model_dump(), "taxonomy_examples": [list(e) for e in shown]}


def _sentiment_salt(
    options: OfflineOptions | None, settings: SentimentSelfTrainSettings | None
) -> Any:
    """What a sentiment model is trained under besides its examples (its cache key)."""
    options, settings = options or OfflineOptions(), settings or SentimentSelfTrainSettings()
    return {"settings": settings.model_dump(), "rules": options.rules_payload("")}


def _load_kept(
    cache: ModelCache | None, kind: str, identity: str | None, salt: Any, cls: type
) -> Any:
    """The model `cache` keeps under `identity` (None: no cache, no identity, not kept)."""
    if cache is None or not identity:
        return None
    return cache.load(kind, identity, salt, cls)


def keep_model(cache: ModelCache | None, model: SelfTrainedModel, taxonomy: Taxonomy) -> None:
    """Save a trained category model for the next run (`model_cache`)."""
    if cache is not None and model.is_trained:
        cache.save(CATEGORY_KIND, model.identity, _category_salt(model.settings, taxonomy), model)


def keep_sentiment(cache: ModelCache | None, model: SelfTrainedSentiment) -> None:
    """Save a trained sentiment model for the next run, without its run's options (the
    loading run sets its own: the cache key holds the rules they are trained under)."""
    if cache is None or not model.is_trained:
        return
    kept = copy.copy(model)
    kept.options = None
    cache.save(SENTIMENT_KIND, model.identity, _sentiment_salt(model.options, model.settings), kept)


def stored_model(
    dbt: Any,
    session: Any,
    texts: Any,
    taxonomy: Taxonomy,
    settings: SelfTrainSettings,
    prompt_version: Callable[[SelfTrainedModel], str],
    sentiment: str | None = None,
    cache: ModelCache | None = None,
) -> SelfTrainedModel | None:
    """The newest stored self-trained model of this taxonomy version, rebuilt from its
    marked rows, when it is exactly the one stored under today's rules; else None.

    `sentiment`: the identity of the self-trained sentiment this run enriches with (None:
    none). The prompt version names it too, so a sentiment model new on this run changes
    the prompt of an exactly rebuilt model: the warning then says that, not "could not
    be rebuilt" (which reads like a damaged table).

    `cache`: loaded from there when kept (`keep_model`), else rebuilt and kept."""
    if not dbt.is_incremental:
        return None
    found = _newest(dbt, session, taxonomy, SELFTRAIN_NAME, "model, prompt_version")
    if not found:
        return None
    model_name, stored_prompt = found[0]
    identity = _identity_of(model_name)
    salt = _category_salt(settings, taxonomy)
    cached = _load_kept(cache, CATEGORY_KIND, identity, salt, SelfTrainedModel)
    if cached is not None:
        model, how = cached, "loaded from the model cache"
    else:
        model, how = _rebuilt_model(dbt, session, texts, model_name, settings, taxonomy)
        if model.identity != identity:
            prompts = f" (prompt {prompt_version(model)}, stored {stored_prompt})"
            _say_not_rebuilt("SELF-TRAINING", identity, model, prompts)
            return None
    if prompt_version(model) != stored_prompt:
        _prompt_changed(model_name, identity, how, sentiment, prompt_version(model))
        return None
    log.info("self-training: the stored model %s, %s (%s)", identity, how, model.reason)
    if cached is None:
        keep_model(cache, model, taxonomy)
    return model


def _not_rebuilt(stored: str | None, rebuilt: str, examples: int) -> str:
    """Why a stored model is not the one its marked rows rebuild, as far as the two names
    tell: fewer texts (a training text gone), or the same number (the settings, the rules
    or the code changed since, as after an upgrade, or a marked row was edited)."""
    count = re.search(r"-n(\d+)-", stored or "")
    if count is not None and int(count.group(1)) == examples:
        return (
            f"was not rebuilt exactly from the same {examples} training texts (got {rebuilt}): "
            "its settings, the rules or the code changed since it was stored, or a marked "
            "row was edited"
        )
    return f"could not be rebuilt exactly from its {examples} marked rows (got {rebuilt})"


def _say_not_rebuilt(head: str, identity: str | None, rebuilt: Any, detail: str = "") -> None:
    """Warn that the stored model `identity` is not `rebuilt` (why: `_not_rebuilt`), so the
    run trains on its batch."""
    log.warning(
        "%s: the stored model %s %s%s: training on this batch, and every text is enriched again",
        head,
        identity,
        _not_rebuilt(identity, rebuilt.identity, len(rebuilt.labels)),
        detail,
    )


def _rebuilt_model(
    dbt: Any,
    session: Any,
    texts: Any,
    model_name: str,
    settings: SelfTrainSettings,
    taxonomy: Taxonomy,
) -> tuple[SelfTrainedModel, str]:
    """The category model `model_name` rebuilt from its marked rows, and how."""
    rows = _stored_examples(dbt, session, texts, model_name)
    examples = [
        e
        for e in map(example_of_rationale, rows["text_hash"], rows["text"], rows["rationale"])
        if e is not None
    ]
    model = SelfTrainedModel(examples, settings, taxonomy)
    return model, f"rebuilt exactly from its {len(rows)} marked rows"


def _prompt_changed(
    stored: str, identity: str | None, how: str, sentiment: str | None, prompt: str
) -> None:
    """Say why an exactly rebuilt (or cached: `how`) category model is not reused: the
    self-trained sentiment differs from the stored one (new, retrained or gone), or the
    rules or options changed.
    A new or retrained sentiment model has said so loudly already (`sentiment_model`)."""
    before = _identity_of(stored, SENTIMENT_SELFTRAIN_NAME)
    if before == sentiment:
        log.warning(
            "SELF-TRAINING: the stored model %s was %s, but the rules or their options "
            "changed (prompt now %s): training on this batch, and every text is enriched again",
            identity,
            how,
            prompt,
        )
        return
    change = (
        f"the stored self-trained sentiment {before} is not used on this run"
        if sentiment is None
        else f"the self-trained sentiment is {sentiment} (stored: {before or 'none'})"
    )
    # a sentiment model trained on this run was announced as a warning by `sentiment_model`
    say, head = (log.warning, "SELF-TRAINING") if sentiment is None else (log.info, "self-training")
    say(
        "%s: the stored model %s was %s, but %s: training on this batch too, as every text "
        "is enriched again once so all carry the same models",
        head,
        identity,
        how,
        change,
    )


def batch_sample(
    texts: Any, taxonomy: Taxonomy, settings: SelfTrainSettings
) -> list[tuple[str, str, str | None]]:
    """(text_hash, text, language) of the texts the rules label for training: the first
    `sample` non-empty texts by hash in a language the rules read (sorted and cut in SQL
    on DuckDB; `pseudo_labels` applies the same test and cut elsewhere)."""
    if is_duckdb_relation(texts):
        texts = (
            project(texts, ["text_hash", "text", "language"])
            .filter(f"coalesce(trim(text), '') <> '' and {_readable_sql(taxonomy)}")
            .order("text_hash")
            .limit(int(settings.sample))
        )
    frame = to_pandas(texts)
    languages = frame["language"].astype(object).where(frame["language"].notna(), None)
    return list(
        zip(
            frame["text_hash"].tolist(),
            frame["text"].fillna("").tolist(),
            languages.tolist(),
            strict=True,
        )
    )


@gc_pause.batch
def batch_model(
    texts: Any, taxonomy: Taxonomy, options: Any, key: str, settings: SelfTrainSettings
) -> SelfTrainedModel:
    """A model trained on this batch's sure rule labels (`selftrain.pseudo_labels`)."""
    sample = batch_sample(texts, taxonomy, settings)
    labels = pseudo_labels(sample, taxonomy, options, key, settings)
    model = SelfTrainedModel(labels, settings, taxonomy)
    log.info(
        "self-training: %d pseudo-labels (rule confidence >= %s) from %d sampled texts in "
        "%d categories; %s; model %s",
        len(labels),
        settings.min_confidence,
        len(sample),
        len({e.category for e in labels}),
        model.reason,
        model.identity if model.is_trained else "none",
    )
    return model


def first_build_model(
    texts: Any,
    taxonomy: Taxonomy,
    options: dict[str, Any] | None = None,
    settings: SelfTrainSettings | None = None,
) -> SelfTrainedModel:
    """The model a build that enriches every text trains: the offline provider's rules
    (with `options`, as the dbt vars give them) label this batch (`batch_model`)."""
    base = make_provider("offline", **(options or {}))
    key = base.prompt_version(taxonomy)
    return batch_model(texts, taxonomy, base.options, key, settings or SelfTrainSettings())


def _english_sql() -> str:
    """SQL: the text is read as English (`taxonomy.language_code`: no language is English),
    as the offline provider's self-trained sentiment labels only those."""
    code = "split_part(replace(lower(trim(coalesce(language, ''))), '_', '-'), '-', 1)"
    return f"{code} in ('', {sql_literal(BASE_LANGUAGE)})"


@gc_pause.batch
def batch_sentiment_model(
    texts: Any, options: OfflineOptions, settings: SentimentSelfTrainSettings, workers: int = 1
) -> SelfTrainedSentiment:
    """The sentiment model trained on this batch: the rules score the first `sample`
    non-empty English texts by hash, their sure scores are its pseudo-labels. The
    scoring is spread over `workers` processes (`parallel.map_chunks`, from
    `min_items_now()` texts) and this process keeps each text's evidence, as it does
    when it scores them itself: the provider reads it, and hands it to its workers."""
    # each text's source, where the texts have one (`int_texts__to_enrich`)
    columns = [
        "text_hash",
        "text",
        "language",
        *(["source"] if "source" in texts.columns else []),
    ]
    if is_duckdb_relation(texts):
        texts = (
            project(texts, columns)
            .filter(f"coalesce(trim(text), '') <> '' and {_english_sql()}")
            .order("text_hash")
            .limit(int(settings.sample))
        )
    frame = to_pandas(texts).drop_duplicates("text_hash")
    codes = frame["language"].fillna("").astype(str).str.strip().str.lower()
    codes = codes.str.replace("_", "-").str.split("-").str[0]
    frame = frame[codes.isin(["", BASE_LANGUAGE]) & frame["text"].fillna("").str.strip().ne("")]
    vader = sentiment_analyzer()
    bodies = frame["text"].tolist()
    evidence = map_chunks(evidence_of_texts, bodies, workers)
    for text, found in zip(bodies, evidence, strict=True):
        if text not in vader.evidence_memo:  # scored by a worker: kept here too
            vader.remember_evidence(text, found)
    groups = _groups(frame["source"]) if "source" in frame.columns else [""] * len(frame)
    scored = [
        ScoredText(h, t, found, g)
        for h, t, found, g in zip(frame["text_hash"], bodies, evidence, groups, strict=True)
    ]
    model = SelfTrainedSentiment(scored, options, settings)
    log.info(
        "self-trained sentiment: %d English texts scored, %s; model %s",
        len(scored),
        model.reason,
        model.identity if model.is_trained else "none",
    )
    return model


def first_build_sentiment(
    texts: Any,
    options: dict[str, Any] | None = None,
    settings: SentimentSelfTrainSettings | None = None,
    workers: int = 1,
) -> SelfTrainedSentiment:
    """The sentiment model a build that enriches every text trains (`batch_sentiment_model`,
    with the offline provider's options as the dbt vars give them)."""
    base = make_provider("offline", **(options or {}))
    settings = settings or SentimentSelfTrainSettings()
    return batch_sentiment_model(texts, base.options, settings, workers)


def _offline_rows(dbt: Any, taxonomy: Taxonomy) -> str:
    """The FROM and WHERE of the offline provider's stored rows of this taxonomy version."""
    return (
        f"from {dbt.this} where provider = 'offline' "
        f"and taxonomy_version = {sql_literal(taxonomy.version)}"
    )


def _newest(dbt: Any, session: Any, taxonomy: Taxonomy, name: str, columns: str) -> list:
    """`columns` of the newest stored offline row whose model names the self-trained
    model `name` (none: an empty list)."""
    return session.sql(
        f"select {columns} {_offline_rows(dbt, taxonomy)} "
        f"and model like {sql_literal('%+' + name + '-%')} "
        "order by enriched_at desc limit 1"
    ).fetchall()


def _newest_sentiment(dbt: Any, session: Any, taxonomy: Taxonomy) -> str | None:
    """The stored model name of the newest row enriched with a self-trained sentiment."""
    found = _newest(dbt, session, taxonomy, SENTIMENT_SELFTRAIN_NAME, "model")
    return str(found[0][0]) if found else None


def stored_sentiment_model(
    dbt: Any,
    session: Any,
    texts: Any,
    taxonomy: Taxonomy,
    options: OfflineOptions,
    settings: SentimentSelfTrainSettings,
    cache: ModelCache | None = None,
) -> SelfTrainedSentiment | None:
    """The newest stored self-trained sentiment of this taxonomy version, rebuilt from its
    marked rows (no text is scored again), when it is exactly the one stored; else None.
    `cache`: loaded from there when kept (`keep_sentiment`), else rebuilt and kept."""
    if not dbt.is_incremental:
        return None
    model_name = _newest_sentiment(dbt, session, taxonomy)
    if model_name is None:
        return None
    identity = _identity_of(model_name, SENTIMENT_SELFTRAIN_NAME)
    salt = _sentiment_salt(options, settings)
    cached = _load_kept(cache, SENTIMENT_KIND, identity, salt, SelfTrainedSentiment)
    if cached is not None:
        cached.options = options or OfflineOptions()
        log.info("self-trained sentiment: the stored model %s, from the model cache", identity)
        return cached
    like = "%" + SENTIMENT_EXAMPLE_MARK + "%"
    rows = _stored_examples(dbt, session, texts, model_name, like)
    model = SelfTrainedSentiment.from_rationales(
        zip(
            rows["text_hash"], rows["text"], rows["rationale"], _groups(rows["source"]), strict=True
        ),
        options,
        settings,
    )
    if model.identity != identity:
        _say_not_rebuilt("SELF-TRAINED SENTIMENT", identity, model)
        return None
    log.info("self-trained sentiment: rebuilt the stored model %s (%s)", identity, model.reason)
    keep_sentiment(cache, model)
    return model


def _stored_texts(dbt: Any, session: Any, taxonomy: Taxonomy) -> int:
    """Distinct texts the offline provider stored under this taxonomy version."""
    found = session.sql(
        f"select count(distinct text_hash) {_offline_rows(dbt, taxonomy)}"
    ).fetchall()
    return int(found[0][0])


def sentiment_model(
    dbt: Any,
    session: Any,
    texts: Any,
    taxonomy: Taxonomy,
    options: OfflineOptions,
    settings: SentimentSelfTrainSettings,
    workers: int = 1,
    cache: ModelCache | None = None,
) -> SelfTrainedSentiment:
    """The self-trained sentiment a run enriches with: the stored one rebuilt
    (`stored_sentiment_model`, or loaded from `cache`), else one trained on this batch
    (`batch_sentiment_model`, over `workers` processes, then kept in `cache`).

    Said on the console: a build that trains none (too few sure texts: a later run trains
    it once there are enough, and enriches every text again then), and a run that trains
    one for the first time over stored texts (every text is enriched again once)."""
    stored = stored_sentiment_model(dbt, session, texts, taxonomy, options, settings, cache)
    if stored is not None:
        return stored
    model = batch_sentiment_model(texts, options, settings, workers)
    keep_sentiment(cache, model)
    before = _stored_texts(dbt, session, taxonomy) if dbt.is_incremental else 0
    if not model.is_trained:
        console_logger().info(
            "self-trained sentiment: none on this run (%s); a later run with enough sure "
            "texts trains it and then enriches every text again once",
            model.reason,
        )
    elif before and _newest_sentiment(dbt, session, taxonomy) is None:
        log.warning(
            "SELF-TRAINED SENTIMENT: trained for the first time on this run (%d "
            "pseudo-labels; the %d texts enriched before carry none: too few sure texts "
            "then, or it was off): every text is enriched again once so all carry the "
            "same models",
            len(model.labels),
            before,
        )
    return model
