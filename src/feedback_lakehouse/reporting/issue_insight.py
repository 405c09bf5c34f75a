"""Per-issue analytics for the workspace and the HTML report (issue 19).

Three functions over a DuckDB connection to the built marts, each taking `where_sql` (a
SQL boolean expression over `fct_feedback_reporting` columns, plus `owner_team` as
`srv_feedback` names it; e.g. "source = ? and product_sku = ?", or "true") and `params`
(its bound values). Spam and empty records are left out, as in `srv_feedback`; only the
PII-masked text is ever read.

- `representative_quotes`: the texts nearest the issue's centre (cosine to the TF-IDF
  centroid of the category's texts), de-duplicated, not the first ones.
- `issue_digest`: offline, the few sentences that best cover the issue (maximal marginal
  relevance over TF-IDF); with an LLM provider, a map-reduce summary of all its texts
  (`issue_digest_llm`), cached by the set of text hashes and the prompt version.
- `theme_impact`: per category, how much it moves the normalised 1-5 rating (NPS 0-10
  maps onto it as 1 + 0.4 * score): an OLS regression of the rating on indicator
  columns of every category a record carries (main + secondary) and of its source, with
  heteroskedasticity-robust (HC1) 95% confidence intervals.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_lakehouse.reporting.impact import MIN_RATED, fit_impact

# records read per issue for the quotes and the offline digest (the TF-IDF cost grows
# with it); the sample is a fixed pseudo-random one (ordered by a hash of the id)
SAMPLE_SIZE = 2000
# two quotes (or digest sentences) this similar say the same thing: keep the first
NEAR_DUPLICATE = 0.8
MMR_LAMBDA = 0.7
DIGEST_SENTENCES = 3

logger = logging.getLogger("feedback_lakehouse.reporting")

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_NON_WORD = re.compile(r"\W+")


class InsightError(RuntimeError):
    """The marts are missing, or `where_sql` does not run against them."""


def _select(
    con: duckdb.DuckDBPyConnection,
    columns: str,
    where_sql: str,
    params: Sequence[Any],
    *,
    schema: str = "main",
    tail: str = "",
    extra_params: Sequence[Any] = (),
) -> list[tuple]:
    sql = (
        f"select {columns} from (select r.*, r.suggested_owner as owner_team "
        f"from {schema}.fct_feedback_reporting as r where not r.is_spam and not r.is_empty) "
        f"as f where ({where_sql}) {tail}"
    )
    try:
        return con.execute(sql, [*params, *extra_params]).fetchall()
    except duckdb.Error as err:
        raise InsightError(
            f"cannot read the issue's records ({err}); check that `where_sql` "
            f"({where_sql!r}) names columns of {schema}.fct_feedback_reporting with one "
            "bound value per `?`, and that the marts were built (dbt build)"
        ) from err


def _category_rows(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str,
    params: Sequence[Any],
    sample: int | None,
    schema: str,
) -> list[dict[str, Any]]:
    names = (
        "feedback_id", "source", "product_sku", "created_at", "sentiment", "masked_text",
        "text_hash",
    )  # fmt: skip
    tail = "and main_category = ? and masked_text is not null order by hash(feedback_id)"
    if sample is not None:
        tail += f" limit {int(sample)}"
    rows = _select(
        con, ", ".join(names), where_sql, params, schema=schema, tail=tail,
        extra_params=[category_id],
    )  # fmt: skip
    return [dict(zip(names, row, strict=True)) for row in rows]


def _category_count(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str,
    params: Sequence[Any],
    schema: str,
) -> int:
    rows = _select(
        con, "count(*)", where_sql, params, schema=schema,
        tail="and main_category = ? and masked_text is not null", extra_params=[category_id],
    )  # fmt: skip
    return int(rows[0][0])


def _tfidf(texts: list[str]) -> Any:
    """L2-normalised TF-IDF rows (words and word pairs); None when no word is left."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english")
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary: every text is stop words or punctuation
        return None


def centrality(texts: list[str]) -> np.ndarray:
    """Each text's cosine similarity to the centroid of all the texts' TF-IDF vectors."""
    matrix = _tfidf(texts)
    if matrix is None:
        return np.zeros(len(texts))
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return np.zeros(len(texts))
    return np.asarray(matrix @ centroid).ravel() / norm


def _normalised(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def representative_quotes(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str = "true",
    params: Sequence[Any] = (),
    k: int = 5,
    *,
    schema: str = "main",
    sample: int = SAMPLE_SIZE,
) -> list[dict[str, Any]]:
    """Up to `k` masked texts nearest the centre of the issue, most central first.

    Reads at most `sample` of the category's records (a fixed pseudo-random sample);
    texts equal after lower-casing and dropping punctuation, or near-duplicates of a
    quote already taken (TF-IDF cosine >= NEAR_DUPLICATE), are skipped. Each quote:
    feedback_id, source, product_sku, created_at, sentiment, text (= masked_text),
    centrality.
    """
    rows = _category_rows(con, category_id, where_sql, params, sample, schema)
    if not rows or k <= 0:
        return []
    texts = [str(r["masked_text"]) for r in rows]
    scores = centrality(texts)
    matrix = _tfidf(texts)
    seen: set[str] = set()
    picked: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        key = _normalised(texts[i])
        if not key or key in seen:
            continue
        if _near(matrix, picked, int(i)):
            continue
        seen.add(key)
        picked.append(int(i))
        if len(picked) == k:
            break
    return [
        {
            "feedback_id": rows[i]["feedback_id"],
            "source": rows[i]["source"],
            "product_sku": rows[i]["product_sku"],
            "created_at": rows[i]["created_at"],
            "sentiment": rows[i]["sentiment"],
            "text": texts[i],
            "masked_text": texts[i],
            "centrality": round(float(scores[i]), 4),
        }
        for i in picked
    ]


def _near(matrix: Any, picked: list[int], i: int) -> bool:
    """True when text i is a near-duplicate of a text already picked."""
    if matrix is None or not picked:
        return False
    return float((matrix[picked] @ matrix[i].T).max()) >= NEAR_DUPLICATE


def _sentences(rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The texts' sentences of three words or more, de-duplicated, with their ids."""
    sentences: list[str] = []
    ids: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for part in _SENTENCE.split(str(row["masked_text"])):
            part = part.strip()
            key = _normalised(part)
            if len(key.split()) >= 3 and key not in seen:
                seen.add(key)
                sentences.append(part)
                ids.append(row["feedback_id"])
    return sentences, ids


def extractive_summary(sentences: list[str], n: int = DIGEST_SENTENCES) -> list[int]:
    """Indices of `n` sentences by maximal marginal relevance: near the centroid of all
    sentences (coverage) and unlike the ones already taken (no repetition)."""
    matrix = _tfidf(sentences) if sentences else None
    if matrix is None:
        return list(range(min(n, len(sentences))))
    relevance = centrality(sentences)
    chosen: list[int] = []
    candidates = list(range(len(sentences)))
    while candidates and len(chosen) < n:
        if chosen:
            overlap = np.asarray((matrix[candidates] @ matrix[chosen].T).max(axis=1).todense())
            overlap = overlap.ravel()
        else:
            overlap = np.zeros(len(candidates))
        score = MMR_LAMBDA * relevance[candidates] - (1 - MMR_LAMBDA) * overlap
        best = candidates[int(np.argmax(score))]
        chosen.append(best)
        candidates.remove(best)
    return chosen


def issue_digest(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str = "true",
    params: Sequence[Any] = (),
    provider: Any = None,
    *,
    schema: str = "main",
    cache_path: str | None = None,
) -> dict[str, Any]:
    """A short digest of the issue: {text, method, n_texts, sentences, ids, cached}.

    Without a provider: extractive (method "extractive"), the DIGEST_SENTENCES sentences
    of a SAMPLE_SIZE sample that best cover the issue. With an `openai`/`azure_openai`
    provider: a map-reduce summary over all of the issue's texts (method "llm"; see
    `issue_digest_llm.llm_digest`), cached by text hashes and prompt version. If the LLM
    fails, the extractive digest comes back with `error` saying why (and a warning).
    """
    n_texts = _category_count(con, category_id, where_sql, params, schema)
    if provider is not None:
        from feedback_lakehouse.reporting import issue_digest_llm

        rows = _category_rows(con, category_id, where_sql, params, None, schema)
        try:
            return issue_digest_llm.llm_digest(
                provider, category_id, rows, cache_path=cache_path or _default_cache(con)
            )
        except issue_digest_llm.DigestError as err:
            logger.warning(
                "issue digest for %s: %s; the extractive digest is used", category_id, err
            )
            digest = _offline_digest(rows[:SAMPLE_SIZE], n_texts)
            return {**digest, "error": str(err)}
    rows = _category_rows(con, category_id, where_sql, params, SAMPLE_SIZE, schema)
    return _offline_digest(rows, n_texts)


def _offline_digest(rows: list[dict[str, Any]], n_texts: int) -> dict[str, Any]:
    sentences, ids = _sentences(rows)
    chosen = extractive_summary(sentences)
    return {
        "text": " ".join(sentences[i] for i in chosen),
        "method": "extractive",
        "n_texts": n_texts,
        "n_read": len(rows),
        "sentences": [sentences[i] for i in chosen],
        "ids": [ids[i] for i in chosen],
        "cached": False,
    }


def _default_cache(con: duckdb.DuckDBPyConnection) -> str | None:
    """`issue_digest_cache.sqlite` beside the DuckDB file (None for an in-memory one)."""
    from pathlib import Path

    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        return None
    return str(Path(row[0]).with_name("issue_digest_cache.sqlite"))


# ---------------------------------------------------------------------------- impact
def _impact_rows(
    con: duckdb.DuckDBPyConnection, where_sql: str, params: Sequence[Any], schema: str
) -> list[tuple[str, set[str], float | None, int]]:
    """The records as distinct (source, labels, rating) with how many share them."""
    rows = _select(
        con,
        "source, main_category, secondary_categories, rating_normalized, count(*)",
        where_sql,
        params,
        schema=schema,
        tail="group by all",
    )
    out = []
    for source, main, secondary, rating, n in rows:
        labels = {main} | {c.strip() for c in str(secondary or "").split(",") if c.strip()}
        out.append((str(source), labels, None if rating is None else float(rating), int(n)))
    return out


def theme_impact(
    con: duckdb.DuckDBPyConnection,
    where_sql: str = "true",
    params: Sequence[Any] = (),
    *,
    schema: str = "main",
    min_rated: int = MIN_RATED,
) -> list[dict[str, Any]]:
    """Per category: its effect on the 1-5 rating with a 95% CI; see `fit_impact`."""
    return fit_impact(_impact_rows(con, where_sql, params, schema), min_rated=min_rated)
