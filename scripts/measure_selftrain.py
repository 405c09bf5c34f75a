"""Measure self-training (docs/quality-details.md "Self-training", docs/quality-history.md).

    .venv/bin/python scripts/measure_selftrain.py banking77 [--shared ../shared/data]
    .venv/bin/python scripts/measure_selftrain.py speed [--texts 20000] [--runs 3] [--workers 2]
        [--source clothing|sample]
    .venv/bin/python scripts/measure_selftrain.py first-build [--texts 20000] [--runs 3]
        [--source clothing|sample] [--category-only]

banking77: the 10,003 train + 3,080 test queries are the unlabelled corpus (as
`make example-banking77` loads them, with no review decisions); the taxonomy is the
example's (`examples/banking77/seeds/byo_taxonomy`: each intent's name as its keyword and
two train queries as examples). The gold intents only score: half A / half B by the row
id (`train-<n>` / `test-<n>`, sha256, even first byte = A); the 154 queries the taxonomy
holds as examples are left out of both halves. The criterion (rule confidence at or
above which a rule label is a pseudo-label), the sample size and the calibration's
folds are chosen on half A (the most accurate with ECE <= 0.10); half B is reported.
speed: raw vaderSentiment, the offline provider (`enrich`, one process) and the offline
provider with self-training (training on the batch included), and self-training's own
training and labelling, on the same texts: the clothing reviews with the clothing
example's taxonomy, or (`--source sample`) a generated demo sample of `--texts` records
with the default taxonomy; CPU seconds, median of `--runs`.
first-build: a first build as the dbt default runs it in one process (both self-trained
models: `first_build_sentiment`, `first_build_model`, then the provider with both labels
every text), each stage's CPU seconds, median of `--runs`, each run from cold memos
(`reset_sentiment_memo`, `rules.reset_score_memo`), against raw vaderSentiment on the
same texts. `--category-only`: the default first build (`offline_self_trained_sentiment`
false): the category model only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GRID = [(c, n) for n in (8000, 20000) for c in (0.3, 0.4, 0.5, 0.6)]  # criterion, sample
REVIEW_THRESHOLD = 0.45  # dbt var review_confidence_threshold: texts at or above are kept
SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)  # other thresholds: what each would keep, how right
FOLDS = (3, 5)  # cross-fitting folds of the calibration, chosen on half A with the criterion


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def banking_rows(shared: Path, examples: set[str]) -> list[tuple[str, str, str]]:
    """(half, text, gold category id) per query that is not a taxonomy example."""
    from feedback_devtools.examples import category_id

    rows = []
    for split in ("train", "test"):
        with (shared / "banking77" / f"{split}.csv").open(encoding="utf-8") as f:
            for n, row in enumerate(csv.DictReader(f), start=1):
                half = "A" if hashlib.sha256(f"{split}-{n}".encode()).digest()[0] % 2 == 0 else "B"
                if row["text"].strip() not in examples:
                    rows.append((half, row["text"], category_id(row["category"])))
    return rows


def _scores(rows: list[tuple[str, str, str]], by_hash: dict[str, Any], half: str) -> dict:
    """Accuracy, unknown share and expected calibration error (10 bins) on one half."""
    picked = [(gold, by_hash[_hash(text)]) for h, text, gold in rows if h == half]
    right = [r.main_category == gold for gold, r in picked]
    conf = [float(r.confidence or 0.0) for _, r in picked]
    ece = 0.0
    for b in range(10):
        members = [i for i, c in enumerate(conf) if min(int(c * 10), 9) == b]
        if members:
            acc = sum(right[i] for i in members) / len(members)
            mean = sum(conf[i] for i in members) / len(members)
            ece += len(members) / len(conf) * abs(acc - mean)
    kept = [r for r, c in zip(right, conf, strict=True) if c >= REVIEW_THRESHOLD]
    sweep = {}
    for threshold in SWEEP:
        above = [r for r, c in zip(right, conf, strict=True) if c >= threshold]
        sweep[threshold] = (len(above) / len(picked), sum(above) / max(1, len(above)))
    return {
        "sweep": sweep,
        "n": len(picked),
        "kept": len(kept) / len(picked),
        "precision": sum(kept) / max(1, len(kept)),
        "accuracy": sum(right) / len(picked),
        "unknown": sum(r.main_category == "unknown" for _, r in picked) / len(picked),
        "ece": ece,
    }


def run_banking77(shared: Path) -> None:
    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
    from feedback_lakehouse.enrichment.selftrain import (
        SelfTrainedModel,
        SelfTrainSettings,
        pseudo_labels,
    )
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy

    seeds = ROOT / "examples" / "banking77" / "seeds" / "byo_taxonomy"
    taxonomy = Taxonomy.from_csv(seeds / "taxonomy_categories.csv")
    examples = {e.strip() for c in taxonomy.categories.values() for e in c.examples}
    rows = banking_rows(shared, examples)
    gold_of = {_hash(text): gold for _, text, gold in rows}
    items = [
        TextItem(text_hash=h, text=t, language="en")
        for h, t in {_hash(text): text for _, text, _ in rows}.items()
    ]
    base = OfflineProvider()
    plain = {r.text_hash: r for r in base.enrich(items, taxonomy)}
    print("rules only:", {h: _fmt(_scores(rows, plain, h)) for h in "AB"})
    triples = [(i.text_hash, i.text, i.language) for i in items]
    results = []
    for (c, sample), folds in ((g, f) for g in GRID for f in FOLDS):
        settings = SelfTrainSettings(min_confidence=c, sample=sample, calibration_folds=folds)
        labels = pseudo_labels(triples, taxonomy, base.options, "measure", settings)
        precision = sum(gold_of[e.text_hash] == e.category for e in labels) / max(1, len(labels))
        model = SelfTrainedModel(labels, settings, taxonomy)
        provider = OfflineProvider(selftrained=model)
        out = {r.text_hash: r for r in provider.enrich(items, taxonomy)}
        scores = {h: _scores(rows, out, h) for h in "AB"}
        results.append(((c, sample, folds), scores))
        print(
            f"c={c} sample={sample} folds={folds}: {len(labels)} pseudo-labels "
            f"({precision:.3f} right), "
            f"{model.reason}; " + str({h: _fmt(s) for h, s in scores.items()})
        )
    # the most accurate on half A among those whose half A ECE is at most 0.10
    honest = [r for r in results if r[1]["A"]["ece"] <= 0.10] or results
    best_c, best = max(honest, key=lambda r: r[1]["A"]["accuracy"])
    print(f"chosen on half A: (c, sample, folds)={best_c}; half B: {_fmt(best['B'])}")
    for h in "AB":
        print(
            f"  half {h}, kept (precision) at threshold: "
            + ", ".join(f"{t}: {k:.1%} ({p:.3f})" for t, (k, p) in best[h]["sweep"].items())
        )


def _fmt(scores: dict) -> str:
    return (
        f"n={scores['n']} acc={scores['accuracy']:.3f} unknown={scores['unknown']:.3f} "
        f"ece={scores['ece']:.3f} at {REVIEW_THRESHOLD}: kept={scores['kept']:.3f} "
        f"precision={scores['precision']:.3f}"
    )


def _median_cpu(func: Callable[[], Any], runs: int, before: Callable[[], None]) -> float:
    cpus = []
    for _ in range(runs):
        before()
        started = time.process_time()
        func()
        cpus.append(time.process_time() - started)
    return statistics.median(cpus)


def _median_wall(func: Callable[[], Any], runs: int, before: Callable[[], None]) -> float:
    walls = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        func()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def _speed_texts(shared: Path, source: str, limit: int) -> tuple[list[str], Any]:
    """The distinct texts of `source` (at most `limit`) and the taxonomy they are read
    with: the clothing reviews (real, about 23k) with the clothing example's taxonomy, or
    a generated demo sample of `limit` records with the default taxonomy."""
    from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

    texts = []
    if source == "clothing":
        path = shared / "womens_clothing_reviews" / "reviews.csv"
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                title, body = (row["Title"] or "").strip(), (row["Review Text"] or "").strip()
                if body:
                    texts.append(re.sub(r"\s+", " ", f"{title}. {body}" if title else body))
        seeds = ROOT / "examples" / "clothing_reviews" / "seeds" / "byo_taxonomy"
        return sorted(set(texts))[:limit], Taxonomy.from_csv(seeds / "taxonomy_categories.csv")
    import tempfile

    import pandas as pd

    from feedback_devtools.sample import generate
    from feedback_devtools.sample_goals import landing_records

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), records=limit, seed=42)
        texts = [t for t in landing_records(Path(tmp))["text"] if t.strip()]
    seeds = ROOT / "seeds" / "taxonomy"
    version = default_version(pd.read_csv(seeds / "taxonomy_versions.csv"))
    return sorted(set(texts)), Taxonomy.from_csv(seeds / "taxonomy_categories.csv", version)


def run_speed(shared: Path, limit: int, runs: int, workers: int, source: str) -> None:
    import pandas as pd
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback_lakehouse.enrichment.engine import enrich_frame
    from feedback_lakehouse.enrichment.parallel import map_chunks, warm_up
    from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo
    from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
    from feedback_lakehouse.enrichment.selftrain import SelfTrainSettings
    from feedback_lakehouse.enrichment.selftrain_dbt import batch_model
    from feedback_lakehouse.text.language import detect_languages

    texts, taxonomy = _speed_texts(shared, source, limit)
    languages = detect_languages(texts) if source == "sample" else ["en"] * len(texts)
    frame = pd.DataFrame(
        {"text_hash": [_hash(t) for t in texts], "text": texts, "language": languages}
    )
    raw = SentimentIntensityAnalyzer()
    base = OfflineProvider()
    base.enrich([], taxonomy)  # matchers built once per process, as in the bench
    models: list[Any] = []

    def train() -> None:
        models[:] = [batch_model(frame, taxonomy, base.options, "speed", SelfTrainSettings())]

    def self_trained() -> None:
        train()
        enrich_frame(frame, taxonomy, OfflineProvider(selftrained=models[0]), workers=workers)

    clock = _median_cpu
    if workers > 1:  # as a full build runs it: the worker server started, wall seconds
        warm_up(workers)
        map_chunks(list, [0] * workers * 4, workers, min_items=0, work_here=False)
        clock = _median_wall
    raw_s = clock(lambda: [raw.polarity_scores(t) for t in texts], runs, lambda: None)
    plain_s = clock(
        lambda: enrich_frame(frame, taxonomy, base, workers=workers), runs, reset_sentiment_memo
    )
    train_s = clock(train, runs, lambda: None)
    label_s = clock(lambda: models[0].predict(texts), runs, lambda: None)
    self_s = clock(self_trained, runs, reset_sentiment_memo)
    n = len(texts)
    unit = "CPU s" if workers == 1 else f"wall s over {workers} processes"
    print(
        f"{source}: {n} texts, {unit} (median of {runs}): raw VADER {raw_s:.2f}, offline "
        f"{plain_s:.2f} ({raw_s / plain_s:.2f}x raw), offline + self-training {self_s:.2f} "
        f"({raw_s / self_s:.2f}x raw); self-training alone: training {train_s:.2f} "
        f"({models[0].identity}), labelling every text {label_s:.2f}"
    )


def run_first_build(
    shared: Path, limit: int, runs: int, source: str, category_only: bool = False
) -> None:
    import pandas as pd
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.providers.offline import rules
    from feedback_lakehouse.enrichment.providers.offline.lexicon import reset_sentiment_memo
    from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
    from feedback_lakehouse.enrichment.selftrain_dbt import first_build_model, first_build_sentiment
    from feedback_lakehouse.text.language import detect_languages

    texts, taxonomy = _speed_texts(shared, source, limit)
    hashes = [_hash(t) for t in texts]
    languages = detect_languages(texts) if source == "sample" else ["en"] * len(texts)
    frame = pd.DataFrame({"text_hash": hashes, "text": texts, "language": languages})
    items = [
        TextItem(text_hash=h, text=t, language=lang)
        for h, t, lang in zip(hashes, texts, languages, strict=True)
    ]
    OfflineProvider().enrich([], taxonomy)  # matchers built once per process
    raw = SentimentIntensityAnalyzer()
    raw_s = _median_cpu(lambda: [raw.polarity_scores(t) for t in texts], runs, lambda: None)
    stages: dict[str, list[float]] = {"sentiment": [], "category": [], "enrich": [], "total": []}
    for _ in range(runs):
        reset_sentiment_memo()
        rules.reset_score_memo()
        t0 = time.process_time()
        sentiment = None if category_only else first_build_sentiment(frame)
        t1 = time.process_time()
        model = first_build_model(frame, taxonomy)
        t2 = time.process_time()
        provider = OfflineProvider(
            selftrained=model if model.is_trained else None,
            selftrained_sentiment=sentiment if sentiment and sentiment.is_trained else None,
        )
        provider.enrich(items, taxonomy)
        t3 = time.process_time()
        for name, took in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
            stages[name].append(took)
    med = {name: statistics.median(v) for name, v in stages.items()}
    print(
        f"{source} first build{' (category model only)' if category_only else ''}: "
        f"{len(texts)} texts, CPU s (median of {runs}): raw VADER "
        f"{raw_s:.2f}; sentiment self-training {med['sentiment']:.2f}, category "
        f"self-training {med['category']:.2f}, enriching every text {med['enrich']:.2f}, "
        f"total {med['total']:.2f} ({raw_s / med['total']:.3f}x raw VADER)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("banking77", "speed", "first-build"))
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--source", choices=("clothing", "sample"), default="clothing")
    parser.add_argument(
        "--category-only",
        action="store_true",
        help="first-build: the default path, the category self-training only",
    )
    args = parser.parse_args()
    if args.what == "banking77":
        run_banking77(args.shared)
    elif args.what == "first-build":
        run_first_build(args.shared, args.texts, args.runs, args.source, args.category_only)
    else:
        run_speed(args.shared, args.texts, args.runs, args.workers, args.source)


if __name__ == "__main__":
    main()
