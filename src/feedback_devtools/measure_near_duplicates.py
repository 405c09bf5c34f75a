"""Measure the near-duplicate groups (feedback_lakehouse.text.near_duplicates).

Planted: a generated sample (fresh seeds) whose `_paraphrases.json` names each planted
paraphrase group (an original text and its variants). Every distinct landing text is
grouped as the pipeline sees it ("title. body"); a text belongs to a planted group when
its body, lower-cased with punctuation dropped, is one of that group's texts (so the
case/punctuation copies count too); every other text is its own complaint (strict: the
same template sentence with another opener counts as a different complaint). Pairs:

- precision: of the grouped pairs with at least one planted text, the share whose two
  texts are of the same planted group;
- recall: of the pairs of distinct texts of one planted group, the share grouped.

The planted groups are split in two halves by group id: the threshold is chosen on half A
(the lowest whose precision reaches --target) and reported on half B.

Real: banking77 and the clothing reviews (../shared/data, SHARED_DATA to move it;
development only, never read at run time): distinct texts count as different complaints,
so every text grouped with another counts as a false grouping (an upper bound: banking77
holds real paraphrases such as "I want a refund" / "I want a refund on this."), and, for
banking77, a text grouped with one of another intent is surely false (`other_label_rate`).

    .venv/bin/python -m feedback_devtools.measure_near_duplicates [--records 20000]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_devtools.landing_texts import TEXT_COLUMNS, joined
from feedback_devtools.paraphrase import read_truth
from feedback_devtools.sample import (
    CLOSERS_MIX,
    CLOSERS_NEG,
    CLOSERS_POS,
    OPENERS_MIX,
    OPENERS_NEG,
    OPENERS_POS,
    generate,
)
from feedback_lakehouse.ingest.landing import read_source
from feedback_lakehouse.text import near_duplicates as nd

PROJECT = Path(__file__).resolve().parents[2]
GRID = tuple(round(x, 2) for x in np.arange(0.4, 0.91, 0.05))
_NORM = re.compile(r"[^\w]+")
_TAGS = re.compile(r"<[^>]+>")


def norm(text: str) -> str:
    return _NORM.sub(" ", _TAGS.sub(" ", text).lower()).strip()


_SIGN_OFF = re.compile(r"\s*(\n\n(thanks|regards|best),)?\n[^\W\d_]+\s*$", re.I)
_GREETING = re.compile(r"^\s*(hi,|hello,|dear team,|hi there,|customer called:)\s*", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|<br/?>|\n+")
_FRAMING = {
    norm(p)
    for p in (*OPENERS_NEG, *OPENERS_MIX, *OPENERS_POS, *CLOSERS_NEG, *CLOSERS_MIX, *CLOSERS_POS)
} | {""}


def unframed(body: str) -> str:
    """A ticket body without the greeting and sign-off the generator wraps it in."""
    return _GREETING.sub("", _SIGN_OFF.sub("", body))


_PII = re.compile(r"\d{4}|@")
_OPENERS = sorted({norm(p) for p in (*OPENERS_NEG, *OPENERS_MIX, *OPENERS_POS)} - {""})


def _sentence(text: str) -> str:
    text = norm(text)
    for opener in _OPENERS:
        if text.startswith(opener + " "):
            return text[len(opener) + 1 :]
    return text


def core(body: str) -> frozenset[str]:
    """What a generated body says: its sentences without the openers, closers and PII
    sentences the generator adds, case, punctuation, emoji and order."""
    body = re.sub(r"<br/?>", "\n", unframed(body))
    sentences = {_sentence(s) for s in _SENTENCE.split(_TAGS.sub(" ", body))}
    return frozenset(s for s in sentences - _FRAMING if not _PII.search(s))


def same_complaint(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two bodies say the same complaint when they share a sentence (a text that adds a
    second complaint to the first still repeats the first)."""
    return bool(a & b) or a == b


def pair_scores(texts: pd.DataFrame, predicted: np.ndarray) -> dict[str, float]:
    """Pair precision and recall of `predicted` groups (an array of group labels).

    `texts` has `truth` (a frozenset of sentences), `group` (planted group id or null)
    and `scored` (planted texts of the half being scored). Precision: of the grouped pairs
    with at least one scored text, the share of one complaint (`same_complaint`). Recall:
    of the pairs of scored texts of one planted group, the share grouped."""
    frame = texts.assign(pred=predicted)
    planted = frame[frame["scored"]]
    members = frame[frame["pred"].isin(planted["pred"])].groupby("pred")
    grouped = good = 0
    for _, group in members:
        truths, scored = group["truth"].tolist(), group["scored"].tolist()
        for i in (i for i, flag in enumerate(scored) if flag):
            # each pair once: with every unscored text, and with the scored ones after it
            others = [j for j in range(len(truths)) if j > i or not scored[j]]
            grouped += len(others)
            good += sum(same_complaint(truths[i], truths[j]) for j in others)
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    truth_pairs = int(pairs(planted.groupby("group").size()).sum())
    found = int(pairs(planted.groupby(["group", "pred"]).size()).sum())
    return {
        "grouped_pairs": grouped,
        "precision": good / grouped if grouped else float("nan"),
        "recall": found / truth_pairs if truth_pairs else float("nan"),
        "truth_pairs": truth_pairs,
    }


def planted_texts(landing: Path) -> pd.DataFrame:
    """Distinct landing texts ("title. body") with their complaint (`truth`, the core of
    the body, or of the planted original for a variant) and planted group (`group`)."""
    truth = read_truth(landing)
    originals = {int(r["group"]): core(str(r["text"])) for r in truth if r["role"] == "original"}
    groups = {norm(unframed(str(r["text"]))): int(r["group"]) for r in truth}
    rows = []
    for source, (title_col, body_col) in TEXT_COLUMNS.items():
        frame = read_source(source, landing)
        frame = frame[~frame["_is_rejected"].astype(bool)]
        titles = frame[title_col] if title_col else [None] * len(frame)
        for title, body in zip(titles, frame[body_col], strict=True):
            text = joined(title, body)
            body = body if isinstance(body, str) else ""
            if text.strip():
                group = groups.get(norm(unframed(body)))
                complaint = originals[group] if group is not None else core(body)
                rows.append((text, complaint, group))
    out = pd.DataFrame(rows, columns=["text", "truth", "group"]).drop_duplicates("text")
    return out.reset_index(drop=True)


def score_halves(texts: pd.DataFrame, grid: tuple[float, ...]) -> pd.DataFrame:
    """Per threshold and half (A: even planted group ids, B: odd), precision and recall of
    the groups made over every text."""
    sigs = nd.signatures(texts["text"].tolist())
    out = []
    for threshold in grid:
        pairs, _ = nd.similar_pairs(sigs, threshold)
        component = nd.centres(len(texts), pairs)
        for half, parity in (("A", 0), ("B", 1)):
            scored = texts["group"].notna() & (texts["group"] % 2 == parity)
            scores = pair_scores(texts.assign(scored=scored), component)
            out.append({"threshold": threshold, "half": half, **scores})
    return pd.DataFrame(out)


def real_false_grouping(
    texts: list[str], threshold: float, labels: list[str] | None = None
) -> dict[str, float]:
    """Distinct real texts: the share put in a group with another (`false_grouping_rate`)
    and, with `labels` (banking77's intents), the share grouped with a text of another
    label (`other_label_rate`: surely a different question)."""
    frame = pd.DataFrame({"text": texts, "label": labels if labels is not None else ""})
    frame = frame[frame["text"].str.strip() != ""].drop_duplicates("text")
    centre = nd.centres(
        len(frame), nd.similar_pairs(nd.signatures(frame["text"].tolist()), threshold)[0]
    )
    sizes = pd.Series(centre).map(pd.Series(centre).value_counts()).to_numpy()
    label = frame["label"].to_numpy()
    return {
        "texts": len(frame),
        "false_grouping_rate": round(float((sizes > 1).mean()), 4),
        "other_label_rate": round(float((label != label[centre]).mean()), 4),
        "largest_group": int(sizes.max()) if len(sizes) else 0,
    }


def _real_sets() -> dict[str, tuple[list[str], list[str] | None]]:
    data = Path(os.environ.get("SHARED_DATA", PROJECT.parent / "shared" / "data"))
    out: dict[str, tuple[list[str], list[str] | None]] = {}
    bank = data / "banking77" / "train.csv"
    if bank.exists():
        frame = pd.read_csv(bank)
        out["banking77 train"] = (frame["text"].astype(str).tolist(), frame["category"].tolist())
    reviews = data / "womens_clothing_reviews" / "reviews.csv"
    if reviews.exists():
        text = pd.read_csv(reviews)["Review Text"].dropna().astype(str).tolist()
        out["womens clothing reviews"] = (text, None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.95)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), records=args.records, seed=args.seed)
        texts = planted_texts(Path(tmp))
    planted = texts["group"].notna()
    print(
        f"{len(texts)} distinct texts, {int(planted.sum())} in "
        f"{texts['group'].nunique()} planted paraphrase groups (seed {args.seed})"
    )
    table = score_halves(texts, GRID)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    half_a = table[(table["half"] == "A") & (table["precision"] >= args.target)]
    if half_a.empty:
        raise SystemExit(f"no threshold reaches precision {args.target} on half A")
    chosen = float(half_a["threshold"].min())
    b = table[(table["half"] == "B") & (table["threshold"] == chosen)].iloc[0]
    print(
        f"chosen on half A: threshold {chosen} (in use: {nd.DEFAULT_THRESHOLD}); half B: "
        f"precision {b['precision']:.3f}, recall {b['recall']:.3f} "
        f"({int(b['grouped_pairs'])} grouped pairs, {int(b['truth_pairs'])} planted pairs)"
    )
    real = _real_sets()
    if not real:
        print("../shared/data not found (SHARED_DATA): real-data false grouping not measured")
    for name, (texts_, labels) in real.items():
        for threshold in sorted({chosen, nd.DEFAULT_THRESHOLD}):
            result = real_false_grouping(texts_, threshold, labels)
            print(f"{name}, threshold {threshold}: {result}")


if __name__ == "__main__":
    main()
