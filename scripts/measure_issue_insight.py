"""Measure issue 19's analytics on real data (development only; ../shared/data is never
read at run time). Two halves split by a fixed seed: `--half a` to judge, `--half b` to
report.

Theme impact (women's clothing reviews, real 1-5 star ratings): a random "planted"
theme on 20% of the records lowers their rating by 1 point, and a random "placebo"
theme of n records (no effect) sits beside it. Over `--reps` draws: how often the 95%
interval covers the true effect (-1 and 0), the mean estimate and interval width, per
placebo size (the MIN_RATED flag is judged here: below which n the interval covers less
than 95%).

Quotes (banking77, 77 human-labelled intents): per intent of the half, 3 quotes picked
as the workspace picks them (nearest the TF-IDF centroid, de-duplicated) against the
first 3 in file order and 3 random ones. A nearest-centroid classifier trained on
banking77's train split says which intent each quote looks like: a representative
quote should look like its own intent more often.

    .venv/bin/python scripts/measure_issue_insight.py --half a
    .venv/bin/python scripts/measure_issue_insight.py --half b
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestCentroid

from feedback_lakehouse.reporting.impact import fit_impact
from feedback_lakehouse.reporting.issue_insight import _normalised, centrality

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 19


def _half(rows: list, half: str) -> list:
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    cut = len(order) // 2
    chosen = order[:cut] if half == "a" else order[cut:]
    return [rows[i] for i in sorted(chosen)]


def impact(half: str, reps: int) -> None:
    with (DATA / "womens_clothing_reviews" / "reviews.csv").open(encoding="utf-8") as f:
        ratings = [float(r["Rating"]) for r in csv.DictReader(f) if r["Review Text"].strip()]
    ratings = _half(ratings, half)
    rng = random.Random(SEED)
    print(f"theme impact, clothing half {half}: {len(ratings):,} rated reviews, {reps} draws")
    for placebo_n in (10, 30, 100, 1000):
        cover = {"planted": 0, "placebo": 0}
        est = {"planted": [], "placebo": []}
        width = {"planted": [], "placebo": []}
        for _ in range(reps):
            idx = list(range(len(ratings)))
            rng.shuffle(idx)
            planted = set(idx[: len(idx) // 5])
            placebo = set(idx[len(idx) // 5 : len(idx) // 5 + placebo_n])
            records = []
            for i, rating in enumerate(ratings):
                labels = {"planted"} if i in planted else set()
                labels |= {"placebo"} if i in placebo else set()
                records.append(("shop", labels or {"unknown"}, rating - (i in planted)))
            rows = {r["category_id"]: r for r in fit_impact(records)}
            for theme, true in (("planted", -1.0), ("placebo", 0.0)):
                r = rows[theme]
                cover[theme] += r["ci_low"] <= true <= r["ci_high"]
                est[theme].append(r["effect"])
                width[theme].append(r["ci_high"] - r["ci_low"])
        for theme in ("planted", "placebo"):
            print(
                f"  placebo n={placebo_n:>5} {theme:>8}: covered {cover[theme] / reps:.1%}, "
                f"mean effect {np.mean(est[theme]):+.3f}, mean CI width {np.mean(width[theme]):.3f}"
            )


def _read_banking(name: str) -> list[tuple[str, str]]:
    with (DATA / "banking77" / name).open(encoding="utf-8") as f:
        return [(r["text"], r["category"]) for r in csv.DictReader(f)]


def _central(texts: list[str], k: int = 3) -> list[str]:
    scores = centrality(texts)
    picked, seen = [], set()
    for i in np.argsort(-scores, kind="stable"):
        key = _normalised(texts[i])
        if key and key not in seen:
            seen.add(key)
            picked.append(texts[i])
        if len(picked) == k:
            break
    return picked


def quotes(half: str) -> None:
    train = _read_banking("train.csv")
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))
    model = NearestCentroid().fit(
        vectorizer.fit_transform([t for t, _ in train]), [c for _, c in train]
    )
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in _half(_read_banking("test.csv"), half):
        by_intent[intent].append(text)
    rng = random.Random(SEED)
    picks = {
        "central (the workspace's)": {c: _central(t) for c, t in by_intent.items()},
        "first 3 in file order": {c: t[:3] for c, t in by_intent.items()},
        "3 random": {c: rng.sample(t, min(3, len(t))) for c, t in by_intent.items()},
    }
    print(f"quotes, banking77 test half {half}: {len(by_intent)} intents")
    for name, chosen in picks.items():
        texts = [t for ts in chosen.values() for t in ts]
        gold = [c for c, ts in chosen.items() for _ in ts]
        hits = np.mean(model.predict(vectorizer.transform(texts)) == np.array(gold))
        print(f"  {name:>26}: {hits:.1%} of {len(texts)} quotes look like their own intent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["a", "b"], required=True)
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    quotes(args.half)
    impact(args.half, args.reps)


if __name__ == "__main__":
    main()
