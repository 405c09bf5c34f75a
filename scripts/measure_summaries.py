"""Measure the offline provider's `short_summary` and `root_cause_guess` (issue 18, part 4).

Development only. Texts come from a generated landing folder (`feedback sample --out`,
title and body joined as `int_feedback__cleaned` does; no PII masking, the sample's
masked values do not change sentences) and, with `--clothing`, from the real clothing
reviews (../shared/data, never read at run time; `--half a|b` picks one of two halves
split by a fixed seed). Prints:

- the share of summaries of two words or fewer,
- the share of root causes equal to, starting with or containing a category name
  (any category of the taxonomy, whole words, case-insensitive), and the share null,
- for the clothing reviews, how often the summary's own VADER sentiment (compound
  <= -0.05 negative, >= 0.05 positive) agrees with the star rating's side (1-2
  negative, 4-5 positive; 3 left out): a summary that carries the evidence should
  agree more often than the first sentence does,
- 10 random examples of each field, and with `--time`, the enrichment time.

    .venv/bin/python scripts/measure_summaries.py --landing target/measure/s5k
    .venv/bin/python scripts/measure_summaries.py --clothing --half a
    .venv/bin/python scripts/measure_summaries.py --landing target/measure/s20k --time
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from pathlib import Path

import pandas as pd

from feedback_devtools.landing_texts import joined, landing_texts
from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHARED_DATA", PROJECT.parent / "shared" / "data"))
SEED = 18


def clothing(half: str) -> tuple[list[str], list[int]]:
    frame = pd.read_csv(SHARED / "womens_clothing_reviews" / "reviews.csv")
    frame = frame[frame["Review Text"].notna()].sample(frac=1.0, random_state=SEED)
    middle = len(frame) // 2
    part = frame.iloc[:middle] if half == "a" else frame.iloc[middle:]
    texts = [joined(t, b) for t, b in zip(part["Title"], part["Review Text"], strict=True)]
    return texts, [int(r) for r in part["Rating"]]


def _words(text: str | None) -> int:
    return len((text or "").split())


def _names(taxonomy: Taxonomy) -> list[re.Pattern[str]]:
    names = {c.category_name.lower() for c in taxonomy.categories.values()}
    return [re.compile(r"(?<!\w)" + re.escape(n) + r"(?!\w)") for n in sorted(names)]


def report(texts: list[str], records: list, taxonomy: Taxonomy, ratings: list[int] | None):
    n = len(records)
    names = _names(taxonomy)
    summaries = [r.short_summary for r in records]
    causes = [(r.root_cause_guess or "").lower() for r in records]
    short = sum(_words(s) <= 2 for s in summaries)
    equal = sum(any(p.fullmatch(c) for p in names) for c in causes if c)
    starts = sum(any(p.match(c) for p in names) for c in causes if c)
    contains = sum(any(p.search(c) for p in names) for c in causes if c)
    null = sum(not c for c in causes)
    print(f"texts {n}; summaries <= 2 words: {short} ({short / n:.1%})")
    print(
        f"root causes: null {null} ({null / n:.1%}); equal to a category name {equal}, "
        f"starting with one {starts}, containing one {contains} (of {n - null} non-null)"
    )
    if ratings is not None:
        _agreement(texts, summaries, ratings)
    rng = random.Random(SEED)
    picks = rng.sample(range(n), min(10, n))
    print("\nexamples (text | summary | root cause | category)")
    for i in picks:
        r = records[i]
        print(f"- {texts[i][:160]!r}\n    summary: {r.short_summary!r}")
        print(f"    root cause: {r.root_cause_guess!r} ({r.main_category})")


def _agreement(texts: list[str], summaries: list[str | None], ratings: list[int]) -> None:
    vader = sentiment_analyzer()
    hits = total = 0
    for summary, rating in zip(summaries, ratings, strict=True):
        if rating == 3:
            continue
        compound = vader.polarity_scores(summary or "")["compound"]
        side = "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else None
        total += 1
        hits += side == ("negative" if rating <= 2 else "positive")
    print(f"summary sentiment agrees with the rating side: {hits} of {total} ({hits / total:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--clothing", action="store_true")
    parser.add_argument("--half", choices=("a", "b"), default="a")
    parser.add_argument("--time", action="store_true", help="time the enrichment (best of 3)")
    args = parser.parse_args()
    taxonomy = Taxonomy.from_csv(PROJECT / "seeds" / "taxonomy" / "taxonomy_categories.csv", "v1")
    ratings = None
    if args.clothing:
        texts, ratings = clothing(args.half)
    else:
        texts = landing_texts(args.landing)
    items = [TextItem(text_hash=f"h{i}", text=t, language="en") for i, t in enumerate(texts)]
    provider = OfflineProvider()
    provider.enrich(items[:50], taxonomy)  # warm-up: compiled taxonomy, analyzer
    runs = []
    for _ in range(3 if args.time else 1):
        reset_sentiment_memo()  # each run from a cold sentiment memo, as a new process
        started = time.perf_counter()
        records = provider.enrich(items, taxonomy)
        runs.append(time.perf_counter() - started)
    if args.time:
        best = min(runs)
        print(
            f"enrich {len(items)} texts: best {best:.2f} s "
            f"({len(items) / best:,.0f} texts/s); runs " + ", ".join(f"{r:.2f}" for r in runs)
        )
    report(texts, records, taxonomy, ratings)


if __name__ == "__main__":
    main()
