"""How much each theme moves the rating: OLS with robust 95% confidence intervals.

rating = intercept + sum over sources (one left out) + sum over categories of
effect_c * [the record carries c as its main or a secondary category] + noise.

The baseline is a record whose labels name no theme (main category `unknown` or
`other`, no secondary): `effect_c` is how many rating points (1-5 scale) a record
carrying c has fewer or more than one without it, the other themes and the source held
fixed. "Fixing c is worth +N points" is N = -effect_c on each record that carries it,
and -effect_c * share_c on the average rating of all rated records. When the records
hold no baseline record, the most frequent category becomes the reference (each row says
which). Standard errors are White's HC1 (ratings are bounded and their spread differs
by source), the interval Student's t at n - p degrees of freedom. numpy and scipy (both
already installed with scikit-learn) do it in a few lines, so no statsmodels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy import stats

BASELINE_CATEGORIES = ("unknown", "other")
MIN_RATED = 30
# NPS 0-10 maps onto the 1-5 rating as 1 + 0.4 * score (int_feedback__unioned)
RATING_POINTS_PER_NPS_POINT = 0.4

# (source, its category labels, rating or None[, how many records share all three]):
# records with the same source, labels and rating have the same row of the design and
# the same residual, so a weighted fit over the distinct combinations is the same fit,
# HC1 errors included, as over every record (a few thousand rows instead of 100k)
Record = tuple[str, set[str], float | None] | tuple[str, set[str], float | None, int]


def _weight(record: Record) -> int:
    return int(record[3]) if len(record) > 3 else 1  # type: ignore[misc]


def _design(
    rated: list[Record], themes: list[str], w: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """Columns: intercept, sources but the most frequent, then the themes that add rank
    (a theme collinear with the columns before it is left out and reported so)."""
    by_source: Counter[str] = Counter()
    for r in rated:
        by_source[r[0]] += _weight(r)
    sources = [s for s, _ in by_source.most_common()[1:]]
    columns = [np.ones(len(rated))]
    columns += [np.array([r[0] == s for r in rated], dtype=float) for s in sources]
    kept: list[str] = []
    dropped: list[str] = []
    for theme in themes:
        column = np.array([theme in r[1] for r in rated], dtype=float)
        trial = np.column_stack([*columns, column])
        # the rank of the p x p cross-product: cheap at a million rows
        if np.linalg.matrix_rank(trial.T @ (trial * w[:, None])) == trial.shape[1]:
            columns.append(column)
            kept.append(theme)
        else:
            dropped.append(theme)
    return np.column_stack(columns), kept, dropped


def ols_hc1(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Coefficients, HC1 standard errors and residual degrees of freedom; `w` counts
    how many identical records each row stands for (frequency weights)."""
    w = np.ones(len(y)) if w is None else w
    n, p = int(w.sum()), x.shape[1]
    xw = x * w[:, None]
    xtx_inv = np.linalg.inv(xw.T @ x)
    beta = xtx_inv @ xw.T @ y
    resid = y - x @ beta
    meat = (xw * resid[:, None] ** 2).T @ x
    cov = xtx_inv @ meat @ xtx_inv * (n / max(n - p, 1))
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), n - p


def fit_impact(records: Iterable[Record], min_rated: int = MIN_RATED) -> list[dict[str, Any]]:
    """One row per category present in `records` (source, its category labels, rating or
    None), the most harmful first; rows whose effect cannot be estimated keep a None
    effect and a `note` saying why, and none is hidden."""
    records = list(records)
    n_all: Counter[str] = Counter()
    for r in records:
        n_all.update(dict.fromkeys(r[1], _weight(r)))
    rated = [r for r in records if r[2] is not None]
    n_rated: Counter[str] = Counter()
    for r in rated:
        n_rated.update(dict.fromkeys(r[1], _weight(r)))
    total_rated = sum(_weight(r) for r in rated)
    has_baseline = any(r[1] <= set(BASELINE_CATEGORIES) for r in rated)
    candidates = sorted(c for c in n_rated if c not in BASELINE_CATEGORIES)
    reference = None
    if not has_baseline and candidates:
        reference = max(candidates, key=lambda c: (n_rated[c], c))
        candidates.remove(reference)
    fitted: dict[str, tuple[float, float, float]] = {}
    notes: dict[str, str] = {}
    if rated and candidates:
        w = np.array([_weight(r) for r in rated], dtype=float)
        x, kept, dropped = _design(rated, candidates, w)
        y = np.array([r[2] for r in rated], dtype=float)
        if total_rated > x.shape[1]:
            beta, se, dof = ols_hc1(x, y, w)
            t = float(stats.t.ppf(0.975, dof))
            offset = x.shape[1] - len(kept)
            for j, theme in enumerate(kept):
                b, s = float(beta[offset + j]), float(se[offset + j])
                fitted[theme] = (b, b - t * s, b + t * s)
        else:
            notes.update(dict.fromkeys(kept, f"too few rated records to fit ({total_rated})"))
        notes.update(dict.fromkeys(dropped, "not separable from the source or other themes here"))
    baseline = f"reference category {reference}" if reference else "no named theme"
    rows = [
        _row(c, n_all[c], n_rated[c], total_rated, fitted.get(c), notes.get(c), min_rated)
        for c in sorted(n_all)
    ]
    for row in rows:
        row["baseline"] = baseline
        if row["category_id"] in BASELINE_CATEGORIES or row["category_id"] == reference:
            row["note"] = "the baseline the other effects are measured against"
    return sorted(rows, key=_harm_order)


def _row(
    category: str,
    n_records: int,
    n_rated: int,
    total_rated: int,
    fit: tuple[float, float, float] | None,
    note: str | None,
    min_rated: int,
) -> dict[str, Any]:
    share = n_rated / total_rated if total_rated else 0.0
    row: dict[str, Any] = {
        "category_id": category,
        "n_records": n_records,
        "n_rated": n_rated,
        "share_rated": round(share, 4),
        "effect": None,
        "ci_low": None,
        "ci_high": None,
        "worth_points": None,
        "worth_overall_points": None,
        "effect_nps_points": None,
        "is_reliable": False,
        "note": note,
    }
    if fit is None:
        if note is None and n_rated == 0:
            row["note"] = "no rated record carries it"
        return row
    effect, low, high = fit
    row.update(
        effect=round(effect, 4),
        ci_low=round(low, 4),
        ci_high=round(high, 4),
        worth_points=round(-effect, 4),
        worth_overall_points=round(-effect * share, 4),
        effect_nps_points=round(effect / RATING_POINTS_PER_NPS_POINT, 4),
        is_reliable=n_rated >= min_rated,
    )
    if n_rated < min_rated:
        row["note"] = f"too few rated records: {n_rated} < {min_rated}; read with care"
    return row


def _harm_order(row: dict[str, Any]) -> tuple[int, float, str]:
    effect = row["effect"]
    return (effect is None, effect if effect is not None else 0.0, row["category_id"])
