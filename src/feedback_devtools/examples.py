"""The two worked bring-your-own-data examples on the real data in ../shared/data.

`prepare()` copies what an example needs from the shared data folder into a landing
folder, in the shape a user would drop it (nothing is transformed except, for banking77,
turning the train split into review decisions: that is how people's corrections reach
the pipeline). The taxonomy, mapping and source YAML of each example live in
`examples/<name>/`; `make example-banking77` / `make example-clothing` run them.

banking77 (CC BY 4.0, Casanueva et al., 2020, PolyAI) and the women's clothing reviews
(CC0) are described in examples/*/ATTRIBUTION.md.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
from pathlib import Path

EXAMPLES = ("banking77", "clothing_reviews")
DECIDED_AT = "2026-01-05T09:00:00Z"  # a fixed, visibly synthetic decision time


class ExampleError(RuntimeError):
    """The shared data the example needs is missing."""


def category_id(intent: str) -> str:
    """banking77 intent -> taxonomy category id (lower case, letters, digits and _)."""
    return re.sub(r"[^a-z0-9_]", "", intent.strip().lower())


def _need(path: Path) -> Path:
    if not path.is_file():
        raise ExampleError(
            f"{path} not found: the examples read the real data in ../shared/data "
            "(set SHARED_DATA=/path/to/shared/data, the folder holding banking77/ and "
            "womens_clothing_reviews/)"
        )
    return path


def prepare(
    name: str,
    shared: str | Path,
    landing: str | Path,
    train_decisions: int | None = None,
    rows: int | None = None,
    seed: int = 7,
) -> dict[str, int]:
    """Write the example's landing files; returns row counts per file written.

    banking77: `custom/test.csv` (held out, gold labels) and `custom/train.csv` (the
    texts), plus `reviews/train_decisions.csv`: `train_decisions` train rows (all when
    None, a seeded random sample otherwise) as review decisions. clothing_reviews:
    `custom/reviews.csv`, the first `rows` rows (all when None).
    """
    shared, landing = Path(shared), Path(landing)
    if landing.exists():
        shutil.rmtree(landing)
    (landing / "custom").mkdir(parents=True)
    counts: dict[str, int] = {}
    if name == "banking77":
        for split in ("train", "test"):
            source = _need(shared / "banking77" / f"{split}.csv")
            with source.open(encoding="utf-8", newline="") as handle:
                data = list(csv.DictReader(handle))
            if rows is not None:
                data = data[:rows]
            target = landing / "custom" / f"{split}.csv"
            with target.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=["text", "category"])
                writer.writeheader()
                # train labels reach the pipeline only as review decisions (below), so
                # "learned from N decisions" means N labels, not the whole train split
                writer.writerows(
                    {"text": r["text"], "category": "" if split == "train" else r["category"]}
                    for r in data
                )
            counts[target.name] = len(data)
            if split == "train":
                picked = list(enumerate(data, start=1))
                if train_decisions is not None and train_decisions < len(picked):
                    picked = sorted(random.Random(seed).sample(picked, train_decisions))
                (landing / "reviews").mkdir()
                decisions = landing / "reviews" / "train_decisions.csv"
                with decisions.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(
                        [
                            "feedback_id",
                            "reviewer",
                            "decided_at",
                            "corrected_category",
                            "corrected_sentiment",
                            "corrected_urgency",
                            "verdict",
                            "note",
                        ]
                    )
                    for number, row in picked:
                        writer.writerow(
                            [
                                f"banking77:train-{number}",
                                "banking77-train",
                                DECIDED_AT,
                                category_id(row["category"]),
                                "",
                                "",
                                "incorrect",
                                "banking77 train split label",
                            ]
                        )
                counts[decisions.name] = len(picked)
    elif name == "clothing_reviews":
        source = _need(shared / "womens_clothing_reviews" / "reviews.csv")
        target = landing / "custom" / "reviews.csv"
        with source.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            data = [r for i, r in enumerate(reader) if rows is None or i < rows]
        if rows is None:
            shutil.copyfile(source, target)  # byte for byte, as published
        else:
            with target.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(data)
        counts[target.name] = len(data)
    else:
        raise ExampleError(f"unknown example {name!r}; expected one of {EXAMPLES}")
    return counts
