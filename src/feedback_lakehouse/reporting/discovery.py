"""Topic discovery in the "other"/unknown bucket: candidate categories for the taxonomy.

Texts the taxonomy in force could not place (labelled `other` or `unknown`) are grouped
with TF-IDF + k-means (scikit-learn, deterministic, no network). Each group becomes a
candidate category with its top terms, size, growth (latest week against the weeks
before) and example texts, for an analyst to read before editing the taxonomy seed.

Empty texts, spam and non-English texts are left out: they are not a gap in the
taxonomy (the offline provider labels every non-English text `unknown`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from feedback_lakehouse.dbt_glue import config_value, to_arrow, to_pandas
from feedback_lakehouse.progress import Progress

log = logging.getLogger(__name__)

BUCKET_LABELS = ("other", "unknown")
# int_feedback__status: no category of the taxonomy fits (answer_review_reason)
UNPLACED_REASON = "unknown_category"
BASELINE_WEEKS = 4
# words that say nothing about a topic in customer feedback, on top of English stop words
FEEDBACK_STOPWORDS = frozenset(
    {"just", "really", "got", "did", "does", "don", "didn", "doesn", "ve", "ll", "im", "ok"}
)
# PII tokens put in by masking, e.g. <EMAIL>, are not words: letters only, 3 or more
TOKEN_PATTERN = r"(?u)\b[a-zA-Z]{3,}\b"

TOPICS_SCHEMA = pa.schema(
    [
        pa.field("topic_id", pa.int64()),
        pa.field("taxonomy_version", pa.string()),
        pa.field("top_terms", pa.string()),
        pa.field("items", pa.int64()),
        pa.field("distinct_texts", pa.int64()),
        pa.field("share_of_bucket", pa.float64()),
        pa.field("items_latest_week", pa.int64()),
        pa.field("weekly_mean_before", pa.float64()),
        pa.field("growth_ratio", pa.float64()),
        pa.field("example_texts", pa.string()),
    ]
)


def bucket_texts(feedback: pd.DataFrame) -> pd.DataFrame:
    """The records worth clustering: labelled other/unknown, or no category fits by the
    status (`unknown_category`: also a self-trained guess where no taxonomy keyword
    matched and the model is unsure), English, not empty or spam."""
    frame = feedback
    keep = frame["main_category"].isin(BUCKET_LABELS)
    if "status_reason_code" in frame.columns:
        keep |= frame["status_reason_code"].eq(UNPLACED_REASON).fillna(False).astype(bool)
    for flag in ("is_empty", "is_spam"):
        if flag in frame.columns:
            keep &= ~frame[flag].fillna(False).astype(bool)
    if "language" in frame.columns:
        language = frame["language"].fillna("en").astype(str).str.lower()
        keep &= language.str.startswith("en")
    text = frame["masked_text"].fillna("").astype(str)
    keep &= text.str.strip() != ""
    return frame.loc[keep]


def _smallest(candidates: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The candidates whose value is among the n smallest, ties at the n-th included (so a
    sort of the result on (value, tie-breaker) gives the same first n as a full sort)."""
    if len(candidates) <= n:
        return candidates
    cut = np.partition(values, n - 1)[n - 1]
    return candidates[values <= cut]


def _per_text(records: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct text: its items, items in the latest week and before it."""
    weeks = records["weeks_before_as_of"].fillna(-1).astype(int)
    return (
        records.assign(
            latest=(weeks == 0).astype(int),
            before=weeks.between(1, BASELINE_WEEKS).astype(int),
        )
        .groupby("text_hash", sort=True)
        .agg(
            text=("masked_text", "first"),
            items=("masked_text", "size"),
            latest=("latest", "sum"),
            before=("before", "sum"),
        )
        .reset_index()
    )


def _tfidf(per_text: pd.DataFrame) -> tuple[pd.DataFrame, Any, np.ndarray] | None:
    """(texts with at least one term, their TF-IDF matrix, the terms); None without terms."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    texts = per_text["text"].astype(str).tolist()
    stop_words = sorted(ENGLISH_STOP_WORDS | FEEDBACK_STOPWORDS)
    vectorizer = TfidfVectorizer(
        stop_words=stop_words,
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
        sublinear_tf=True,
        min_df=2 if len(texts) >= 10 else 1,
        max_df=0.5 if len(texts) >= 10 else 1.0,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term survives (e.g. only "ok", "meh")
        return None
    terms = np.array(vectorizer.get_feature_names_out())
    has_terms = np.asarray(matrix.getnnz(axis=1) > 0)
    if not has_terms.any():
        return None
    return per_text.loc[has_terms].reset_index(drop=True), matrix[has_terms], terms


def _describe(
    rows: pd.DataFrame,
    members: np.ndarray,
    centroid: np.ndarray,
    distances: np.ndarray,
    terms: np.ndarray,
    texts: list[str],
    n_terms: int,
    n_examples: int,
) -> dict[str, Any]:
    """One cluster as a topic: its heaviest terms, closest texts and weekly growth.
    `distances` are the texts' distances to this cluster's centre."""
    # the n heaviest terms (ties by term) and the n texts closest to the centre (ties
    # by text): sort only the candidates that can make the cut, not every term/member
    heavy = _smallest(np.arange(len(terms)), -centroid, n_terms)
    order = sorted(heavy, key=lambda i: (-centroid[i], terms[i]))
    top = [str(terms[i]) for i in order[:n_terms] if centroid[i] > 0]
    near = _smallest(members, distances[members], n_examples)
    closest = sorted(near, key=lambda i: (distances[i], texts[i]))
    examples = [str(texts[i]).strip()[:200] for i in closest[:n_examples]]
    latest = int(rows["latest"].sum())
    mean_before = float(rows["before"].sum()) / BASELINE_WEEKS
    return {
        "top_terms": ", ".join(top),
        "items": int(rows["items"].sum()),
        "distinct_texts": int(members.size),
        "items_latest_week": latest,
        "weekly_mean_before": round(mean_before, 4),
        # smoothed so a topic that is new this week has a finite ratio
        "growth_ratio": round((latest + 1.0) / (mean_before + 1.0), 4),
        "example_texts": " | ".join(examples),
    }


def _topics(
    per_text: pd.DataFrame,
    labels: np.ndarray,
    centres: np.ndarray,
    distances: np.ndarray,
    terms: np.ndarray,
    version: str | None,
    min_topic_size: int,
    n_terms: int,
    n_examples: int,
) -> list[dict[str, Any]]:
    """The clusters with at least `min_topic_size` items, described, in cluster order."""
    total_items = int(per_text["items"].sum())
    texts = per_text["text"].astype(str).tolist()
    topics: list[dict[str, Any]] = []
    for cluster in range(len(centres)):
        members = np.flatnonzero(labels == cluster)
        rows = per_text.iloc[members]
        if members.size == 0 or int(rows["items"].sum()) < min_topic_size:
            continue
        topic = _describe(
            rows,
            members,
            centres[cluster],
            distances[:, cluster],
            terms,
            texts,
            n_terms,
            n_examples,
        )
        share = round(topic["items"] / total_items, 4)
        topics.append({"taxonomy_version": version, **topic, "share_of_bucket": share})
    return topics


def candidate_topics(
    feedback: pd.DataFrame,
    *,
    max_topics: int = 12,
    min_topic_size: int = 3,
    n_terms: int = 6,
    n_examples: int = 3,
    random_state: int = 0,
    on_step: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """One row per candidate topic, biggest first (see TOPICS_SCHEMA for the columns).

    `feedback` has one row per record with `text_hash`, `masked_text`, `main_category`,
    `taxonomy_version` and `weeks_before_as_of` (0 = latest week), optionally
    `language`, `is_empty` and `is_spam`. Topics with fewer than `min_topic_size` items
    are dropped. The same input always gives the same output. `on_step()` is called
    after each of the three long steps (TF-IDF, k-means, describing the clusters).
    """
    step = on_step or (lambda: None)
    from sklearn.cluster import KMeans

    records = bucket_texts(feedback)
    empty = pd.DataFrame({field.name: [] for field in TOPICS_SCHEMA})
    if records.empty:
        return empty
    versions = sorted(records["taxonomy_version"].dropna().astype(str).unique())
    version = versions[-1] if versions else None
    vectorised = _tfidf(_per_text(records))
    if vectorised is None:
        return empty
    per_text, matrix, terms = vectorised
    step()

    n_docs = matrix.shape[0]
    k = max(1, min(max_topics, n_docs, round(math.sqrt(n_docs / 2))))
    model = KMeans(n_clusters=k, random_state=random_state, n_init=10)
    labels = model.fit_predict(matrix, sample_weight=per_text["items"].to_numpy(float))
    distances = model.transform(matrix)
    step()

    topics = _topics(
        per_text,
        labels,
        model.cluster_centers_,
        distances,
        terms,
        version,
        min_topic_size,
        n_terms,
        n_examples,
    )
    step()
    if not topics:
        return empty
    frame = pd.DataFrame(topics)[[f.name for f in TOPICS_SCHEMA if f.name != "topic_id"]]
    frame = frame.sort_values(
        ["items", "growth_ratio", "top_terms"], ascending=[False, False, True], kind="stable"
    )
    frame.insert(0, "topic_id", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)


_NEEDED_COLUMNS = (
    "text_hash",
    "masked_text",
    "main_category",
    "status_reason_code",
    "taxonomy_version",
    "weeks_before_as_of",
    "language",
    "is_empty",
    "is_spam",
)


def _bucket_columns(feedback: Any) -> Any:
    """On DuckDB, read only the other/unknown rows and the columns clustering needs (a
    filter and projection in SQL, in scan order), not the whole fact table; the pandas
    filter in `bucket_texts` then keeps exactly the same rows."""
    if not (hasattr(feedback, "filter") and hasattr(feedback, "project")):
        return feedback  # a pandas or Spark frame: filtered in pandas
    if hasattr(feedback, "toPandas"):
        return feedback
    columns = [c for c in _NEEDED_COLUMNS if c in feedback.columns]
    labels = ", ".join(f"'{label}'" for label in BUCKET_LABELS)
    bucket = f"main_category in ({labels})"
    if "status_reason_code" in feedback.columns:
        bucket += f" or status_reason_code = '{UNPLACED_REASON}'"
    return feedback.filter(bucket).project(", ".join(columns))


def candidate_topics_model(settings: dict[str, Any], feedback: Any) -> pa.Table:
    """What the dbt Python model `rpt_candidate_topics` returns.

    `feedback` is fct_feedback_reporting (fct_feedback in the reporting calendar)."""
    # steps: read the bucket, TF-IDF, k-means, describe (the last three may be skipped
    # when nothing is left to cluster)
    with Progress(4, label="topics", unit="steps", statuses=False) as progress:
        frame = to_pandas(_bucket_columns(feedback))
        progress.advance()
        topics = candidate_topics(
            frame,
            max_topics=int(config_value(settings, "discovery_max_topics", 12)),
            min_topic_size=int(config_value(settings, "discovery_min_topic_size", 3)),
            on_step=progress.advance,
        )
        progress.advance(n=progress.total - progress.done)  # skipped steps: done too
    log.info("found %d candidate topics in the other/unknown bucket", len(topics))
    return to_arrow(topics, TOPICS_SCHEMA)
