"""How often language detection on a text's first N characters agrees with detection on
the whole text (`language.DETECT_PREFIX_CHARS`), and the CPU time it saves.

Development only. Texts: the distinct texts of a generated landing folder (`feedback
sample --seed 7` to choose N, seed 42 to report), and the real texts of
../shared/data (banking77 queries, clothing reviews), split into halves by the sha256
of the text (even first byte = A): choose N on half A, report half B.

    .venv/bin/python scripts/measure_language_prefix.py --landing target/measure/s7 \\
        --shared ../shared/data --half A --prefix 40,60,80,100
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import pandas as pd

from feedback_devtools.landing_texts import landing_texts
from feedback_lakehouse.text import language


def half_of(text: str) -> str:
    return "A" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "B"


def real_texts(shared: Path, half: str) -> list[str]:
    """The distinct banking77 queries and clothing reviews ("title. body") of `half`."""
    texts: list[str] = []
    for name in ("train.csv", "test.csv"):
        texts += pd.read_csv(shared / "banking77" / name)["text"].dropna().tolist()
    reviews = pd.read_csv(shared / "womens_clothing_reviews" / "reviews.csv")
    for title, body in zip(reviews["Title"], reviews["Review Text"], strict=True):
        title = title.strip() if isinstance(title, str) else ""
        body = body.strip() if isinstance(body, str) else ""
        if title or body:
            texts.append(f"{title}. {body}" if title and body else title or body)
    return [t for t in dict.fromkeys(texts) if half_of(t) == half]


def detect(texts: list[str], prefix: int | None) -> tuple[list[str | None], float]:
    """The languages as the dbt model detects them (one process) and the CPU seconds."""
    language.DETECT_PREFIX_CHARS = prefix
    started = time.process_time()
    found = language.detect_languages(texts)
    return found, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, help="a generated landing folder")
    parser.add_argument("--shared", type=Path, help="../shared/data")
    parser.add_argument("--half", default="A", choices=("A", "B"))
    parser.add_argument("--prefix", default="60,80,100")
    args = parser.parse_args()
    sets = {}
    if args.landing:
        sets[f"sample {args.landing.name}"] = landing_texts(args.landing)
    if args.shared:
        sets[f"real half {args.half}"] = real_texts(args.shared, args.half)
    language.get_detector()
    language.get_accurate_detector()
    for name, texts in sets.items():
        detect(texts, None)  # lingua loads each language's models on first use
        whole, cpu = detect(texts, None)
        print(f"{name}: {len(texts):,} texts, whole text {cpu:.2f} s CPU")
        for prefix in (int(p) for p in args.prefix.split(",")):
            found, cpu_prefix = detect(texts, prefix)
            differ = [(t, a, b) for t, a, b in zip(texts, whole, found, strict=True) if a != b]
            print(
                f"  first {prefix} chars: {cpu_prefix:.2f} s CPU, "
                f"{len(differ)} of {len(texts):,} differ ({len(differ) / len(texts):.3%})"
            )
            for text, a, b in differ[:3]:
                print(f"    {a} -> {b}: {text[:120]!r}")


if __name__ == "__main__":
    main()
