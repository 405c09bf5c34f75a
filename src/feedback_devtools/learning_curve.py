"""The learning curve of the review queue: does reviewing in queue order teach the model
faster than reviewing at random? (`make learning-curve`, outside CI; measured in
docs/quality-history.md.)

A simulated reviewer works through one half of a labelled real data set (the pool); the
gold label is the reviewer's decision. Decisions come in days of `batch` (the daily
budget): after each day the model learned from review decisions
(`feedback_lakehouse.enrichment.learner.LearnedModel`, what `offline_learning` trains)
is trained again on every decision so far, as the next build would. After 100, 250 and
500 decisions its accuracy is measured on the other half, which no reviewer saw.

Two arms, same seeds:
- `queue`: each day takes the pool items of highest expected value, priority x (1 -
  confidence), the confidence being the current learned model's (rpt_review_queue's
  order with `uncertainty_source` confidence);
- `random`: each day takes items at random.
The first day is the same random batch in both arms: before any decision there is no
learned model to be unsure with (in the pipeline the zero-shot keyword rules order day
one; they are not part of this simulation). The real data sets carry no customer tier,
no dates and (banking77) no sentiment, so every item has the same priority here and
the queue order is the uncertainty order.

Data (read at run time from the shared data folder, never shipped): banking77 train +
test (77 intents) and the women's clothing reviews (sentiment from the stars: 1-2
negative, 3 neutral, 4-5 positive). Halves by sha256 of the row id, as
scripts/measure_sentiment.py splits them: even first byte = half A (the pool), odd =
half B (held out).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from feedback_devtools.examples import ExampleError, _need, category_id

CHECKPOINTS = (100, 250, 500)
ARMS = ("queue", "random")


class Classifier(Protocol):
    def predict_categories(self, texts: Sequence[str]) -> list: ...


Trainer = Callable[[list[tuple[str, str]]], Classifier]


@dataclass(frozen=True)
class Task:
    """A labelled data set cut in two: the reviewer's pool and the held-out half."""

    name: str
    pool: list[tuple[str, str]]  # (text, gold label)
    held_out: list[tuple[str, str]]


def half_of(row_id: str) -> str:
    """A or B, stable: the parity of the first byte of the id's sha256."""
    return "A" if hashlib.sha256(row_id.encode("utf-8")).digest()[0] % 2 == 0 else "B"


def split_task(name: str, rows: Iterable[tuple[str, str, str]]) -> Task:
    """(row id, text, label) rows -> a Task: half A is the pool, half B held out."""
    pool: list[tuple[str, str]] = []
    held_out: list[tuple[str, str]] = []
    for row_id, text, label in rows:
        (pool if half_of(row_id) == "A" else held_out).append((text, label))
    return Task(name, pool, held_out)


def expected_value(priority: float, confidence: float | None) -> float:
    """What reviewing an item is worth: its priority times the chance the label is wrong."""
    return priority * (1.0 - confidence) if confidence is not None else priority


def learned_trainer(decisions: list[tuple[str, str]]) -> Classifier:
    """The model learned from review decisions, as the offline provider trains it."""
    from feedback_lakehouse.enrichment.learner import Example, LearnedModel

    return LearnedModel(Example(text=t, category=label) for t, label in decisions)


def accuracy(model: Classifier | None, rows: Sequence[tuple[str, str]]) -> float:
    """Share of rows the model labels right; an untrained model gets none right."""
    if model is None or not rows:
        return 0.0
    predictions = model.predict_categories([t for t, _ in rows])
    if not predictions:
        return 0.0
    right = sum(p.label == gold for p, (_, gold) in zip(predictions, rows, strict=True))
    return right / len(rows)


def by_expected_value(
    model: Classifier | None,
    pool: Sequence[tuple[str, str]],
    remaining: list[int],
    take: int,
    priority: Callable[[str], float] | None = None,
) -> list[int]:
    """The `take` remaining items of highest expected value (ties: their order in
    `remaining`); without a trained model, the first `take`."""
    predictions = model.predict_categories([pool[i][0] for i in remaining]) if model else []
    if not predictions:
        return remaining[:take]
    values = [
        expected_value(priority(p.label) if priority else 1.0, p.probability) for p in predictions
    ]
    order = sorted(range(len(remaining)), key=lambda k: -values[k])
    return [remaining[k] for k in order[:take]]


def simulate(
    task: Task,
    arm: str,
    seed: int,
    checkpoints: Sequence[int] = CHECKPOINTS,
    batch: int = 50,
    trainer: Trainer = learned_trainer,
    priority: Callable[[str], float] | None = None,
) -> dict[int, float]:
    """Held-out accuracy after each checkpoint's number of decisions in one arm."""
    if arm not in ARMS:
        raise ValueError(f"arm {arm!r}: use one of {', '.join(ARMS)}")
    remaining = list(range(len(task.pool)))
    random.Random(seed).shuffle(remaining)
    decided: list[int] = []
    model: Classifier | None = None
    results: dict[int, float] = {}
    for target in sorted(checkpoints):
        while len(decided) < target and remaining:
            take = min(batch, target - len(decided))
            if arm == "queue":
                picks = by_expected_value(model, task.pool, remaining, take, priority)
            else:
                picks = remaining[:take]
            chosen = set(picks)
            remaining = [i for i in remaining if i not in chosen]
            decided.extend(picks)
            if arm == "queue":  # the next build learns from the day's decisions
                model = trainer([task.pool[i] for i in decided])
        if arm == "random":
            model = trainer([task.pool[i] for i in decided])
        results[target] = accuracy(model, task.held_out)
    return results


def learning_curve(
    task: Task,
    seeds: Sequence[int] = (1, 2, 3),
    checkpoints: Sequence[int] = CHECKPOINTS,
    batch: int = 50,
    trainer: Trainer = learned_trainer,
) -> dict[str, dict[int, list[float]]]:
    """Per arm and checkpoint, the held-out accuracy of each seed."""
    curve: dict[str, dict[int, list[float]]] = {arm: {n: [] for n in checkpoints} for arm in ARMS}
    for seed in seeds:
        for arm in ARMS:
            for n, value in simulate(task, arm, seed, checkpoints, batch, trainer).items():
                curve[arm][n].append(value)
    return curve


def banking77(shared: Path) -> Task:
    rows = []
    for split in ("train", "test"):
        with _need(shared / "banking77" / f"{split}.csv").open(encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                rows.append((f"{split}-{number}", row["text"], category_id(row["category"])))
    return split_task("banking77", rows)


def clothing(shared: Path) -> Task:
    rows = []
    path = _need(shared / "womens_clothing_reviews" / "reviews.csv")
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            title, body = (row["Title"] or "").strip(), (row["Review Text"] or "").strip()
            if not body:
                continue
            text = re.sub(r"\s+", " ", f"{title}. {body}" if title else body).strip()
            rating = int(row["Rating"])
            label = "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"
            rows.append((row[""], text, label))
    return split_task("clothing_reviews", rows)


def table(results: dict[str, dict[str, dict[int, list[float]]]]) -> str:
    """docs/quality-history.md's table: mean held-out accuracy per arm, seeds' range in brackets."""
    lines = [
        "| data | decisions | queue order | random | queue - random |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, curve in results.items():
        for n in sorted(curve["queue"]):
            q, r = curve["queue"][n], curve["random"][n]
            cells = [f"{statistics.mean(v):.3f} ({min(v):.3f}-{max(v):.3f})" for v in (q, r)]
            diff = statistics.mean(q) - statistics.mean(r)
            lines.append(f"| {name} | {n} | {cells[0]} | {cells[1]} | {diff:+.3f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--data", nargs="+", default=["banking77", "clothing_reviews"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--batch", type=int, default=50, help="decisions a day (the budget)")
    args = parser.parse_args(argv)
    loaders = {"banking77": banking77, "clothing_reviews": clothing}
    results = {}
    for name in args.data:
        started = time.monotonic()
        try:
            task = loaders[name](args.shared)
        except ExampleError as err:
            print(err, file=sys.stderr)
            return 2
        results[name] = learning_curve(task, args.seeds, CHECKPOINTS, args.batch)
        print(
            f"{name}: pool {len(task.pool)}, held out {len(task.held_out)}, "
            f"seeds {args.seeds}, {args.batch} decisions a day, "
            f"{time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
